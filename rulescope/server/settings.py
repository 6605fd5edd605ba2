"""The server's settings, from initialization options and didChangeConfiguration.

Every key lives under ``rulescope`` (documented in ``docs/server.md``); a key
the client leaves out keeps its previous value, and a value of the wrong type
is logged and ignored rather than breaking the session.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from rulescope.index.locate import resolve_index_path

logger = logging.getLogger(__name__)

#: Default for ``noisyThreshold``: an indicator checked by this many indexed
#: rules or more is flagged when it stands alone. Measured on the full
#: four-vendor index (8,977 rules, 56,269 distinct positive indicator keys):
#: the median key is checked by 1 rule, p95 by 3, p99 by 10, p99.5 by 17 and
#: p99.9 by 57. Twenty, the round number just above p99.5, flags the 240 most
#: shared keys (0.43 %), such as ``Image ends_with powershell.exe`` (304
#: rules) or ``Image ends_with cmd.exe`` (222), and leaves the long tail alone.
DEFAULT_NOISY_THRESHOLD: Final = 20

#: Globs (matched against the file path) that are served even when the
#: content check does not recognise a Sigma rule.
DEFAULT_FILE_GLOBS: Final = ()


@dataclass(slots=True, frozen=True)
class Settings:
    """What the client may configure under the ``rulescope`` key."""

    index_path: Path | None = None
    noisy_threshold: int = DEFAULT_NOISY_THRESHOLD
    validators_enabled: bool = True
    inlay_hints: bool = True
    file_globs: tuple[str, ...] = DEFAULT_FILE_GLOBS

    def resolved_index_path(self) -> Path:
        """The index file: the setting, else ``RULESCOPE_INDEX``, else the cache."""
        return resolve_index_path(self.index_path)


_KEYS: Final[dict[str, tuple[str, type]]] = {
    "indexPath": ("index_path", str),
    "noisyThreshold": ("noisy_threshold", int),
    "inlayHints": ("inlay_hints", bool),
}


def merge_settings(current: Settings, options: Any) -> Settings:
    """``current`` updated with the ``rulescope`` section of ``options``."""
    section = _section(options)
    if section is None:
        return current

    changes: dict[str, Any] = {}
    for key, (attribute, kind) in _KEYS.items():
        if key in section:
            value = _typed(key, section[key], kind)
            if value is not None:
                changes[attribute] = value
    if "index_path" in changes:
        text = changes["index_path"].strip()
        changes["index_path"] = Path(text).expanduser() if text else None
    changes.update(_nested_settings(section))
    return dataclasses.replace(current, **changes)


def _section(options: Any) -> dict[str, Any] | None:
    """The ``rulescope`` mapping, accepting it wrapped or bare."""
    if not isinstance(options, dict):
        return None
    section = options.get("rulescope", options)
    if not isinstance(section, dict):
        logger.warning("ignoring settings: 'rulescope' is not a mapping")
        return None
    return section


def _nested_settings(section: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    validators = section.get("validators")
    if isinstance(validators, dict) and "enabled" in validators:
        enabled = _typed("validators.enabled", validators["enabled"], bool)
        if enabled is not None:
            changes["validators_enabled"] = enabled
    globs = section.get("fileGlobs")
    if isinstance(globs, list) and all(isinstance(g, str) for g in globs):
        changes["file_globs"] = tuple(globs)
    return changes


def _typed(key: str, value: Any, kind: type) -> Any:
    # bool is an int in Python: refuse it where a number is meant.
    if kind is int and isinstance(value, bool):
        value = None
    if value is None or not isinstance(value, kind):
        logger.warning("ignoring setting 'rulescope.%s': not a %s", key, kind.__name__)
        return None
    if kind is int and isinstance(value, int) and value < 1:
        logger.warning("ignoring setting 'rulescope.%s': must be at least 1", key)
        return None
    return value
