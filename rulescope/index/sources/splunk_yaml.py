"""Read one security_content detection file: its mapping and where its search stands.

A file that is not UTF-8, not YAML, not a mapping, or has no ``search``
string raises :class:`~rulescope.index.model.RuleFileError` with the YAML
mark's (0-based) line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rulescope.index.model import RuleFileError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True, frozen=True)
class SearchText:
    """The ``search`` string and where its scalar starts in the file."""

    text: str
    line: int = 0
    #: A block scalar (``|``, ``>``) starts on the line after its indicator.
    block: bool = False

    def file_line(self, offset: int) -> int:
        """The (0-based) file line of an offset in the search; -1 when unknown."""
        if offset < 0:
            return -1
        within = self.text.count("\n", 0, offset)
        return self.line + within + (1 if self.block else 0)


def load_detection(path: Path) -> tuple[dict[str, Any], SearchText]:
    """The detection mapping and its search; raises ``RuleFileError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"cannot read file: {exc}") from exc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = f"invalid YAML: {getattr(exc, 'problem', None) or exc}"
        raise RuleFileError(
            reason, getattr(mark, "line", 0), getattr(mark, "column", 0)
        ) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise RuleFileError("not a detection: the file is not a YAML mapping")
    return data, _search(data, node)


def _search(data: dict[str, Any], node: Any) -> SearchText:
    """The ``search`` value and its scalar's position."""
    search = data.get("search")
    if not isinstance(search, str):
        raise RuleFileError("not a detection: no 'search' string")
    for key, value in node.value:
        if key.value == "search":
            return SearchText(search, value.start_mark.line, value.style in ("|", ">"))
    return SearchText(search)
