"""Where each kind of completion comes from: the vocabulary, the rule, the corpus."""

from __future__ import annotations

import re

from rulescope.server.corpus import Corpus
from rulescope.server.corpus_fields import (
    logsource_values,
    ranked_fields,
    ranked_values,
)
from rulescope.server.document import SigmaDocument
from rulescope.server.locate import LineContext
from rulescope.server.suggestion import Suggestion
from rulescope.server.vocabulary import CONDITION_WORDS, MODIFIERS, TOP_LEVEL

_WORD = re.compile(r"[\w*.-]*$")
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_.\-/]+$")


def top_level_suggestions(
    context: LineContext, document: SigmaDocument
) -> list[Suggestion]:
    """Top-level keys the rule lacks, as snippets."""
    present = set()
    if document.root is not None:
        present = {str(key.value) for key, _ in document.root.value}
    return [
        Suggestion(key, "snippet", "Sigma rule key", body, context.start, True, 0, key)
        for key, body in TOP_LEVEL.items()
        if key not in present and key.startswith(context.prefix)
    ]


def tag_suggestions(context: LineContext, corpus: Corpus | None) -> list[Suggestion]:
    """ATT&CK technique and tactic tags matching what is typed."""
    if corpus is None:
        return []
    typed = context.prefix.lower()
    found = []
    for shortname, (tactic_id, name, _) in corpus.tactics().items():
        tag = f"attack.{shortname.replace('-', '_')}"
        if tag.startswith(typed):
            found.append(
                Suggestion(tag, "tactic", f"{tactic_id} {name}", tag, context.start)
            )
    for technique_id, name, rules in corpus.technique_names():
        tag = f"attack.{technique_id.lower()}"
        if tag.startswith(typed) or (len(typed) > 7 and typed[7:] in name.lower()):
            detail = f"{name} · {rules} rules"
            found.append(
                Suggestion(
                    tag,
                    "technique",
                    detail,
                    tag,
                    context.start,
                    filter_text=tag + " " + name,
                )
            )
    return found


def logsource_suggestions(
    context: LineContext, corpus: Corpus | None, key: str
) -> list[Suggestion]:
    """Values of ``category``/``product``/``service``, most used first."""
    if corpus is None:
        return []
    typed = context.prefix.strip().lower()
    return [
        Suggestion(value, "logsource", f"{rules} rules", value, context.start)
        for value, rules in logsource_values(corpus, key)
        if value.lower().startswith(typed)
    ]


def modifier_suggestions(context: LineContext) -> list[Suggestion]:
    """Modifiers after the last ``|`` of a field key."""
    start = context.start + context.prefix.rindex("|") + 1
    typed = context.prefix.rsplit("|", 1)[1]
    return [
        Suggestion(name, "modifier", meaning, name, start)
        for name, meaning in MODIFIERS.items()
        if name.startswith(typed)
    ]


def field_suggestions(
    context: LineContext, document: SigmaDocument, corpus: Corpus | None
) -> list[Suggestion]:
    """Field names ranked by use under this log source and these techniques."""
    if corpus is None:
        return []
    logsource = tuple(sorted(document.logsource.items()))
    here = corpus.rules_under(document.techniques)
    typed = context.prefix.lower()
    found = []
    for name, here_count, logsource_count in ranked_fields(
        corpus, corpus.rules_with_logsource(logsource), here
    ):
        if name.lower().startswith(typed) and "|" not in name:
            detail = f"{here_count} rules here · {logsource_count} with this log source"
            found.append(Suggestion(name, "field", detail, name, context.start))
    return found


def value_suggestions(
    context: LineContext,
    following: str,
    document: SigmaDocument,
    corpus: Corpus | None,
    raw_key: str,
) -> list[Suggestion]:
    """Values authors use for this field and operator, by rules here."""
    if corpus is None:
        return []
    from rulescope.index.sources.sigma_detection import MATCH_OPERATORS

    field_name, *modifiers = raw_key.split("|")
    operator = next(
        (MATCH_OPERATORS[m] for m in modifiers if m in MATCH_OPERATORS), "eq"
    )
    here = corpus.rules_under(document.techniques)
    quote = context.prefix[:1] if context.prefix[:1] in ("'", '"') else ""
    typed = context.prefix[len(quote) :].lower()
    extend = 1 if quote and following.startswith(quote) else 0
    found = []
    for value, rules_here, reach in ranked_values(corpus, field_name, operator, here):
        if typed and typed not in value.lower():
            continue
        insert = _yaml_scalar(value)
        detail = f"{rules_here} rules here · corpus reach {reach}"
        found.append(
            Suggestion(value, "value", detail, insert, context.start, extend=extend)
        )
    return found


def _yaml_scalar(value: str) -> str:
    """The value as a Sigma author writes it: plain when safe, else single-quoted."""
    if _PLAIN_SAFE.match(value) and value[:1] not in "-.":
        return value
    return "'" + value.replace("'", "''") + "'"


def condition_suggestions(
    context: LineContext, document: SigmaDocument
) -> list[Suggestion]:
    """Selection names and condition words for the word being typed."""
    word = _WORD.search(context.prefix)
    typed = word.group(0) if word else ""
    start = context.start + len(context.prefix) - len(typed)
    found = [
        Suggestion(name, "selection", "selection", name, start)
        for name in document.selections
        if name.startswith(typed)
    ]
    for words in CONDITION_WORDS:
        if words.startswith(typed):
            found.append(
                Suggestion(words.strip(), "keyword", "condition", words, start)
            )
    return found
