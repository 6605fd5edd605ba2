"""Splunk security_content detections (``detections/**/*.yml``) as normalized rules.

One YAML file is one detection; ``detections/deprecated/`` is skipped. The
SPL ``search`` is expanded with the corpus macros (``macros/*.yml``, read once
per source) and read stage by stage (``splunk_spl``) into predicates; data
model prefixes (``Processes.``) are stripped by the field map, which reads
them as context; the field as written stays in ``raw_field``. A search that
does not parse keeps its rule, without predicates, with a ``query_error``
whose line and column (0-based) count within the search text.

Field choices: ``level`` is the ES urgency bucket of ``tags.risk_score``
(every detection has one), and ``kind`` is ``rule`` whatever the Splunk
``type`` (TTP, Anomaly, Hunting, Correlation) says; the type is not kept.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

from rulescope.index.catalog import EVENTS_FILE, default_reference_dir
from rulescope.index.fields import normalize_predicate
from rulescope.index.model import Predicate, QueryError, Rule
from rulescope.index.sources.splunk_events import EventCatalog
from rulescope.index.sources.splunk_macros import Macro, MacroError, expand, load_macros
from rulescope.index.sources.splunk_pipeline import SplSyntaxError
from rulescope.index.sources.splunk_search import KEYWORD_FIELD
from rulescope.index.sources.splunk_spl import extract
from rulescope.index.sources.splunk_terms import Extraction, RawPredicate
from rulescope.index.sources.splunk_yaml import SearchText, load_detection

logger = logging.getLogger(__name__)

SKIPPED_FOLDERS: Final = frozenset({"deprecated"})
_EVENT_FIELDS: Final = frozenset({"eventcode", "eventid"})
#: ``tags.risk_score`` upper bounds of each level (Splunk ES urgency buckets).
_LEVELS: Final = ((20, "informational"), (40, "low"), (60, "medium"), (80, "high"))


class SplunkSource:
    """The detections of one security_content checkout."""

    vendor = "splunk"

    def __init__(self, root: Path, reference_dir: Path | None = None) -> None:
        self.root = root
        self._reference_dir = reference_dir or default_reference_dir(root.parent)
        self._macros: dict[str, Macro] | None = None
        self._catalog: EventCatalog | None = None

    @property
    def macros(self) -> dict[str, Macro]:
        """The corpus macros, read on first use."""
        if self._macros is None:
            self._macros = load_macros(self.root / "macros")
        return self._macros

    @property
    def catalog(self) -> EventCatalog:
        """The event catalog's data-source map, read on first use."""
        if self._catalog is None:
            self._catalog = EventCatalog.load(self._reference_dir / EVENTS_FILE)
        return self._catalog

    def files(self) -> list[Path]:
        """Every detection file outside ``detections/deprecated/``."""
        detections = self.root / "detections"
        return sorted(
            path
            for path in detections.rglob("*.yml")
            if not SKIPPED_FOLDERS & set(path.relative_to(detections).parts[:-1])
        )

    def read(self, path: Path) -> list[Rule]:
        """The one rule of a detection file; raises ``RuleFileError``."""
        data, search = load_detection(path)
        rule = _base_rule(data, str(path.resolve()), search.text)
        names = [str(name) for name in data.get("data_source") or ()]
        rule.events = self.catalog.data_source_events(names)
        try:
            expansion = expand(search.text, self.macros)
            extraction = extract(expansion.text)
        except MacroError as exc:
            rule.query_error = _query_error(exc.reason, search.text, exc.offset)
            return [rule]
        except SplSyntaxError as exc:
            offset = expansion.written_offset(exc.offset)
            rule.query_error = _query_error(exc.reason, search.text, offset)
            return [rule]

        rule.predicates = [
            _predicate(raw, search, expansion.written_offset(raw.offset))
            for raw in extraction.predicates
        ]
        rule.events.extend(self._code_events(extraction, rule))
        rule.logsource = self.catalog.logsource(
            extraction.datamodels, names, rule.events
        )
        return [rule]

    def _code_events(self, extraction: Extraction, rule: Rule) -> list[Any]:
        """Events of explicit, non-negated ``EventCode=N`` predicates."""
        codes = [
            int(raw.value)
            for raw in extraction.predicates
            if raw.raw_field.lower() in _EVENT_FIELDS
            and raw.operator in ("eq", "in")
            and not raw.negated
            and raw.value.isdigit()
        ]
        return self.catalog.code_events(codes, extraction.source_hints, rule.events)


def _base_rule(data: dict[str, Any], path: str, search: str) -> Rule:
    """The rule's metadata, before its search is read."""
    tags = data.get("tags") if isinstance(data.get("tags"), dict) else {}
    assert isinstance(tags, dict)
    return Rule(
        vendor="splunk",
        path=path,
        title=str(data.get("name") or ""),
        rule_id=str(data.get("id") or ""),
        level=_level(tags.get("risk_score"), str(data.get("type") or "")),
        status=str(data.get("status") or ""),
        language="spl",
        kind="rule",
        description=str(data.get("description") or "").strip(),
        techniques=[str(t).strip() for t in tags.get("mitre_attack_id") or ()],
        query=search,
    )


def _level(risk_score: Any, detection_type: str) -> str:
    """The level of a risk score; the Splunk type when there is no score."""
    if not isinstance(risk_score, int | float):
        return detection_type.lower()
    for bound, level in _LEVELS:
        if risk_score <= bound:
            return level
    return "critical"


def _predicate(raw: RawPredicate, search: SearchText, offset: int) -> Predicate:
    """A raw predicate on its canonical field, placed on its rule-file line."""
    if raw.raw_field == KEYWORD_FIELD:
        field, operator, value = KEYWORD_FIELD, raw.operator, raw.value
    else:
        # The field map strips the data-model prefix and uses it as context.
        field, operator, value = normalize_predicate(
            "splunk", raw.raw_field, raw.operator, raw.value
        )
    return Predicate(
        field=field,
        operator=operator,
        value=value,
        negated=raw.negated,
        raw_field=raw.raw_field,
        clause=raw.clause,
        line=search.file_line(offset),
    )


def _query_error(reason: str, search: str, offset: int) -> QueryError:
    """A query error at ``offset``, as a 1-based line and column in the search."""
    before = search[: max(offset, 0)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return QueryError(reason, line, column)
