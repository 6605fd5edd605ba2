"""Bounded-time stand-ins for SigmaHQ validators that an open document can stall.

Three SigmaHQ validators take time out of proportion to the rule they read:

- ``sigmahq_ofselection_condition`` hands the word after ``1 of`` in the
  condition to Python's backtracking ``re.match`` as a pattern: the condition
  ``1 of (a+)+b_*`` beside a selection named ``aaaa...`` doubles its time with
  each ``a`` (24 took a second, 40 would take days). Here the word goes
  through RE2 (:mod:`rulescope.index.safe_regex`), as the original would
  match it.
- ``sigmahq_field_duplicate_value`` looks values up in a list, quadratic in a
  field's values (45,000 values took 10 s). Here a set does it.
- The three ``of``-condition validators search the condition with patterns
  such as ``(?:\\d+|all)\\s+of\\s+`` that are quadratic in a run of digits or
  spaces (20,000 digits took 2.6 s). Conditions longer than
  ``MAX_CONDITION_CHARS`` are not given to them (corpus conditions have a
  few hundred characters at most).

The findings are the same issues as the originals', so codes do not change.
"""

from __future__ import annotations

from typing import Any, Final

from sigma.rule import SigmaDetectionItem, SigmaRule
from sigma.validators.base import SigmaValidationIssue
from sigma.validators.sigmahq.condition import (
    SigmahqMissingAsteriskConditionValidator,
    SigmahqOfselectionConditionIssue,
    SigmahqOfselectionConditionValidator,
    SigmahqOfthemConditionValidator,
)
from sigma.validators.sigmahq.modifier import (
    SigmahqFieldDuplicateValueIssue,
    SigmahqFieldDuplicateValueValidator,
)

from rulescope.index import safe_regex

#: Longest condition the ``of``-condition validators are given.
MAX_CONDITION_CHARS: Final = 1_000


def _conditions_short(rule: Any) -> bool:
    detection = getattr(rule, "detection", None)
    conditions = getattr(detection, "condition", None) or []
    return all(len(str(condition)) <= MAX_CONDITION_CHARS for condition in conditions)


class OfSelectionConditionValidator(SigmahqOfselectionConditionValidator):
    """``sigmahq_ofselection_condition`` with the condition's word run by RE2."""

    def validate(self, rule: Any) -> list[SigmaValidationIssue]:
        """One issue when ``1 of name_*`` matches fewer than two selections."""
        if not isinstance(rule, SigmaRule) or not _conditions_short(rule):
            return []
        for condition in rule.detection.condition:
            for name in self.re_x_of_them.findall(condition):
                if _skipped(name):
                    continue
                # re.match anchors at the start; RE2 searches unanchored.
                pattern = safe_regex.compile_safe(rf"\A(?:{name})")
                if pattern is None:
                    continue
                matching = sum(
                    1
                    for selection in rule.detection.detections
                    if pattern.search(selection)
                )
                if matching < 2:  # noqa: PLR2004 (as SigmaHQ counts)
                    return [SigmahqOfselectionConditionIssue([rule], name)]
        return []


def _skipped(name: str) -> bool:
    if name.startswith(("filter_", "selection_")) and name.endswith("_*"):
        return True
    return not name.endswith("_*")


class FieldDuplicateValueValidator(SigmahqFieldDuplicateValueValidator):
    """``sigmahq_field_duplicate_value`` with a set instead of a list scan."""

    def validate_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> list[SigmaValidationIssue]:
        """One issue per value that repeats an earlier value of the field."""
        case_sensitive = any(
            modifier in detection_item.modifiers
            for modifier in self.CaseSensitiveModifierList
        )
        seen: set[tuple[str, str]] = set()
        issues: list[SigmaValidationIssue] = []
        for value in detection_item.value:
            text = str(value)
            key = (type(value).__name__, text) if case_sensitive else ("", text.lower())
            if key in seen and detection_item.field is not None:
                issues.append(
                    SigmahqFieldDuplicateValueIssue(
                        [self.rule], detection_item.field, text
                    )
                )
            seen.add(key)
        return issues


class OfThemConditionValidator(SigmahqOfthemConditionValidator):
    """``sigmahq_ofthem_condition`` on conditions of bounded length only."""

    def validate(self, rule: Any) -> list[SigmaValidationIssue]:
        """The original's issues, or none for an overlong condition."""
        return super().validate(rule) if _conditions_short(rule) else []


class MissingAsteriskConditionValidator(SigmahqMissingAsteriskConditionValidator):
    """``sigmahq_missing_asterisk_condition`` on conditions of bounded length only."""

    def validate(self, rule: Any) -> list[SigmaValidationIssue]:
        """The original's issues, or none for an overlong condition."""
        return super().validate(rule) if _conditions_short(rule) else []


#: Validator name -> the class run in its place.
REPLACEMENTS: Final[dict[str, type[Any]]] = {
    "sigmahq_ofselection_condition": OfSelectionConditionValidator,
    "sigmahq_field_duplicate_value": FieldDuplicateValueValidator,
    "sigmahq_ofthem_condition": OfThemConditionValidator,
    "sigmahq_missing_asterisk_condition": MissingAsteriskConditionValidator,
}
