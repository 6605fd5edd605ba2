"""Markdown for hovers: techniques, tactics, fields, values and log sources.

Plain functions from corpus answers to Markdown; ``hover.py`` decides which
one applies at the caret.
"""

from __future__ import annotations

import re

from rulescope.server.corpus import Corpus, IndicatorReach, RuleSet
from rulescope.server.corpus_fields import (
    field_usage,
    logsource_events,
    logsource_values,
)
from rulescope.server.vocabulary import MODIFIERS

_CITATION = re.compile(r"\s*\(Citation:[^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentences(text: str, count: int = 2, limit: int = 400) -> str:
    """The first sentences of an ATT&CK description, citations and links removed."""
    plain = _LINK.sub(r"\1", _CITATION.sub("", text)).strip()
    sentences = _SENTENCE_END.split(plain.split("\n\n", 1)[0])
    summary = " ".join(sentences[:count])
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"


def vendor_line(by_vendor: dict[str, int]) -> str:
    """``sigma 12, elastic 3`` (or ``none``)."""
    return ", ".join(f"{v} {n}" for v, n in by_vendor.items()) or "none"


def technique_markdown(corpus: Corpus, technique_id: str) -> str:
    """Name, tactics, description, status and index coverage of a technique."""
    info = corpus.technique(technique_id)
    if info is None:
        version = corpus.attack_version or "bundled"
        lines = [f"**{technique_id}**", f"Not in the ATT&CK v{version} catalog."]
    else:
        tactics = corpus.tactics()
        names = [tactics[t][1] if t in tactics else t for t in info.tactics]
        lines = [f"**{info.id} · {info.name}**", f"Tactics: {', '.join(names)}"]
        lines.append(first_sentences(info.description))
        if info.revoked:
            lines.append(f"**Revoked** by {info.revoked_by or 'a newer technique'}.")
        elif info.deprecated:
            lines.append("**Deprecated** in ATT&CK.")
    lines.extend(coverage_lines(corpus, corpus.rules_under((technique_id,))))
    return "\n\n".join(lines)


def coverage_lines(corpus: Corpus, rules: RuleSet) -> list[str]:
    """Rules by vendor, events covered and top fields of a rule set."""
    if not rules:
        return ["No indexed rule is tagged with it."]
    counts = corpus.vendor_counts(rules)
    lines = [f"**{len(rules)} rules** in the index: {vendor_line(counts)}"]
    events = corpus.events_of(rules)
    if events:
        shown = ", ".join(
            f"{provider} {event_id} {title} ({n})".replace("  ", " ")
            for provider, event_id, title, n in events
        )
        lines.append(f"Events: {shown}")
    fields = corpus.top_fields(rules)
    if fields:
        lines.append("Top fields: " + ", ".join(f"`{f}` ({n})" for f, n in fields))
    return lines


def tactic_markdown(corpus: Corpus, shortname: str) -> str | None:
    """Name and description of a tactic (``command-and-control``)."""
    tactic = corpus.tactics().get(shortname)
    if tactic is None:
        return None
    tactic_id, name, description = tactic
    return f"**{tactic_id} · {name}** (tactic)\n\n{first_sentences(description)}"


def field_markdown(
    corpus: Corpus | None, raw_key: str, here: RuleSet, techniques: tuple[str, ...]
) -> str:
    """Canonical field, vendor names, rule counts, operators; modifier meanings."""
    field_name, *modifiers = raw_key.split("|")
    lines = [f"**{field_name}**" + (f" `|{'|'.join(modifiers)}`" if modifiers else "")]
    for modifier in modifiers:
        meaning = MODIFIERS.get(modifier, "unknown modifier")
        lines.append(f"`{modifier}`: {meaning}")
    if corpus is None:
        return "\n\n".join(lines)

    usage = field_usage(corpus, field_name, here)
    scope = ", ".join(techniques) or "this rule's techniques"
    lines.append(
        f"Checked by **{usage.total_rules}** rules in the index, "
        f"**{usage.rules_here}** under {scope}."
    )
    if usage.operators:
        shown = ", ".join(f"{op} ({n})" for op, n in list(usage.operators.items())[:6])
        lines.append(f"Operators: {shown}")
    for vendor, names in usage.vendor_names.items():
        lines.append(f"{vendor}: " + ", ".join(f"`{n}`" for n in names[:4]))
    return "\n\n".join(lines)


def value_markdown(
    shown: str,
    reach: IndicatorReach,
    techniques: tuple[str, ...],
    threshold: int,
    in_workspace: int = 0,
) -> str:
    """Rules here, corpus reach by vendor, a noise verdict and example rules.

    ``in_workspace`` counts the workspace's rules the index does not hold yet.
    """
    scope = ", ".join(techniques) or "this rule's techniques (none tagged)"
    lines = [
        f"**{shown}**",
        f"Rules here ({scope}): **{reach.rules_here}**",
        f"Corpus reach: **{reach.corpus_reach}** rules ({vendor_line(reach.by_vendor)})"
        + (f"; excluded by {reach.excluded_by}" if reach.excluded_by else ""),
    ]
    if in_workspace:
        lines.append(f"In this workspace: **{in_workspace}** more rules")
    total = reach.corpus_reach + in_workspace
    if total >= threshold:
        lines.append(
            f"⚠ Common: {total} rules check it (noisy from {threshold}); "
            "combine it with another condition."
        )
    for vendor, title, path in reach.examples:
        lines.append(f"- [{vendor}] {title} — `{path}`")
    return "\n\n".join(lines)


def logsource_markdown(corpus: Corpus, key: str, value: str) -> str:
    """Events a log source value covers and how many rules use it."""
    used = dict(logsource_values(corpus, key)).get(value, 0)
    lines = [f"**{key}: {value}**", f"Used by **{used}** rules in the index."]
    if key == "category":
        events = logsource_events(corpus, value)
        if events:
            shown = ", ".join(f"{p} {i} {t}".rstrip() for p, i, t in events[:8])
            lines.append(f"Events: {shown}")
        else:
            lines.append("No catalog event is mapped to this category.")
    return "\n\n".join(lines)
