"""The coverage report as plain text (the terminal) and as markdown.

Both render the report dict of :mod:`rulescope.report.coverage` section by
section, in the issue's order: technique, events, fields, indicators, rules.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

#: Values longer than this are cut in tables; JSON keeps them whole.
VALUE_WIDTH = 60


def technique_status(technique: dict[str, Any]) -> list[str]:
    """Sentences on the technique's catalog status, sub-techniques and scope."""
    notes = []
    if not technique["in_catalog"]:
        version = technique["attack_version"]
        notes.append(f"{technique['id']} is not in the ATT&CK v{version} catalog.")
    replaced = technique["replaced_by"]
    if technique["revoked"]:
        target = f"{replaced['id']} {replaced['name']}".strip() if replaced else ""
        notes.append(
            "Revoked in ATT&CK" + (f": replaced by {target}." if target else ".")
        )
    elif technique["deprecated"]:
        notes.append("Deprecated in ATT&CK.")
    if technique["includes_subtechniques"]:
        notes.append("Includes its sub-techniques (--exact leaves them out).")
    return notes


def subtechnique_text(sub: dict[str, Any]) -> str:
    """``T1071.001 Web Protocols: 40 rules``."""
    return f"{sub['id']} {sub['name']}".rstrip() + f": {plural(sub['rules'], 'rule')}"


def plural(count: int, noun: str) -> str:
    """``1 rule``, ``2 rules``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def short(value: str, width: int = VALUE_WIDTH) -> str:
    """A value cut to ``width`` characters with an ellipsis."""
    return value if len(value) <= width else value[: width - 1] + "…"


def operators_text(operators: dict[str, int]) -> str:
    """``ends_with 2, in 1, eq 1``."""
    return ", ".join(f"{name} {count}" for name, count in operators.items())


def render_text(report: dict[str, Any]) -> str:
    """The whole report for a terminal."""
    return "\n".join(_text_lines(report)) + "\n"


def _text_lines(report: dict[str, Any]) -> Iterator[str]:
    technique = report["technique"]
    yield f"{technique['id']} {technique['name']}".rstrip()
    tactics = ", ".join(t["name"] for t in technique["tactics"]) or "none known"
    yield f"Tactics: {tactics}"
    yield from textwrap.wrap(technique["description"], 88, break_on_hyphens=False)
    if technique["url"]:
        yield technique["url"]
    yield from technique_status(technique)
    for sub in technique["subtechniques"]:
        yield f"  {subtechnique_text(sub)}"
    yield from _text_events(report)
    yield from _text_fields(report)
    yield from _text_indicators(report)
    yield from _text_rules(report)


def _table(rows: list[list[str]], right: set[int]) -> Iterator[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        yield ("  " + "  ".join(cells)).rstrip()


def _text_events(report: dict[str, Any]) -> Iterator[str]:
    events = report["events"]
    yield ""
    yield (
        f"Events covered: {events['touched']} catalog events touched by at least "
        f"one of the {report['rules']['count']} rules"
    )
    rows = [["provider", "event", "title", "rules"]]
    rows += [
        [e["provider"], str(e["event_id"]), e["title"], str(e["rules"])]
        for e in events["table"]
    ]
    if len(rows) > 1:
        yield from _table(rows, {1, 3})


def _text_fields(report: dict[str, Any]) -> Iterator[str]:
    yield ""
    yield f"Fields filtered most ({len(report['fields'])} of {report['fields_total']})"
    rows = [["field", "rules", "operators", "sample values"]]
    rows += [
        [
            f["field"],
            str(f["rules"]),
            operators_text(f["operators"]),
            ", ".join(f"'{short(v, 30)}'" for v in f["samples"]),
        ]
        for f in report["fields"]
    ]
    if len(rows) > 1:
        yield from _table(rows, {1})


def _text_indicators(report: dict[str, Any]) -> Iterator[str]:
    yield ""
    shown, total = len(report["indicators"]), report["indicators_total"]
    yield f"Top indicator values ({shown} of {total})"
    rows = [["field", "operator", "value", "rules here", "corpus reach"]]
    rows += [
        [
            i["field"],
            i["operator"],
            f"'{short(i['value'])}'",
            str(i["rules_here"]),
            "" if i["only_here"] else str(i["corpus_reach"]),
        ]
        for i in report["indicators"]
    ]
    if len(rows) > 1:
        yield from _table(rows, {3, 4})
    yield from textwrap.wrap(report["reach_note"], 88, break_on_hyphens=False)


def predicate_text(predicate: dict[str, Any]) -> str:
    """``Image ends_with '\\rundll32.exe'`` with the vendor's name when it differs."""
    text = f"{predicate['field']} {predicate['operator']} '{predicate['value']}'"
    raw = predicate.get("raw_field", "")
    return text + (f" ({raw})" if raw and raw != predicate["field"] else "")


def _text_rules(report: dict[str, Any]) -> Iterator[str]:
    rules = report["rules"]
    yield ""
    yield f"Rules ({rules['count']})"
    if not rules["count"]:
        yield "  No rule in the index carries this technique."
    for vendor, group in rules["by_vendor"].items():
        yield f"{vendor} ({group['count']})"
        for rule in group["rules"]:
            yield from _text_rule(rule)


def _text_rule(rule: dict[str, Any]) -> Iterator[str]:
    yield f"  {rule['title']} [{rule['level'] or 'no level'}]  {rule['rel_path']}"
    yield f"    techniques: {', '.join(rule['techniques'])}"
    if rule["query_error"]:
        yield f"    query not parsed: {rule['query_error']}"
    for label in ("predicates", "exclusions"):
        for predicate in rule[label]:
            yield f"    {label[:-1]}: {predicate_text(predicate)}"
    for indicator in rule["indicators"]:
        reach = indicator["corpus_reach"]
        yield f"    indicator: {predicate_text(indicator)}  reach {reach}"


def render_markdown(report: dict[str, Any]) -> str:
    """The whole report as GitHub-flavoured markdown."""
    return "\n".join(_markdown_lines(report)) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(value: str) -> str:
    fence = "``" if "`" in value else "`"
    pad = " " if "`" in value else ""
    return f"{fence}{pad}{_cell(value)}{pad}{fence}"


def _markdown_table(header: list[str], rows: list[list[str]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "---|" * len(header)
    for row in rows:
        yield "| " + " | ".join(row) + " |"


def _markdown_lines(report: dict[str, Any]) -> Iterator[str]:
    technique = report["technique"]
    yield f"# {technique['id']} {technique['name']}".rstrip()
    yield ""
    tactics = ", ".join(t["name"] for t in technique["tactics"]) or "none known"
    yield f"**Tactics:** {tactics}"
    yield ""
    if technique["description"]:
        yield technique["description"]
        yield ""
    if technique["url"]:
        yield f"<{technique['url']}>"
        yield ""
    for note in technique_status(technique):
        yield f"- {note}"
    for sub in technique["subtechniques"]:
        yield f"- {subtechnique_text(sub)}"
    yield from _markdown_events(report)
    yield from _markdown_fields(report)
    yield from _markdown_indicators(report)
    yield from _markdown_rules(report)


def _markdown_events(report: dict[str, Any]) -> Iterator[str]:
    events = report["events"]
    yield ""
    yield "## Events covered"
    yield ""
    yield (
        f"{events['touched']} catalog events touched by at least one of the "
        f"{report['rules']['count']} rules."
    )
    rows = [
        [_cell(e["provider"]), str(e["event_id"]), _cell(e["title"]), str(e["rules"])]
        for e in events["table"]
    ]
    if rows:
        yield ""
        yield from _markdown_table(["provider", "event", "title", "rules"], rows)


def _markdown_fields(report: dict[str, Any]) -> Iterator[str]:
    yield ""
    yield "## Fields filtered most"
    yield ""
    rows = [
        [
            _cell(f["field"]),
            str(f["rules"]),
            operators_text(f["operators"]),
            ", ".join(_code(short(v, 40)) for v in f["samples"]),
        ]
        for f in report["fields"]
    ]
    if rows:
        yield from _markdown_table(["field", "rules", "operators", "samples"], rows)
    else:
        yield "No field is filtered."


def _markdown_indicators(report: dict[str, Any]) -> Iterator[str]:
    yield ""
    yield "## Top indicator values"
    yield ""
    rows = [
        [
            _cell(i["field"]),
            i["operator"],
            _code(short(i["value"])),
            str(i["rules_here"]),
            "" if i["only_here"] else str(i["corpus_reach"]),
        ]
        for i in report["indicators"]
    ]
    header = ["field", "operator", "value", "rules here", "corpus reach"]
    if rows:
        yield from _markdown_table(header, rows)
        yield ""
    yield f"> {report['reach_note']}"


def _markdown_rules(report: dict[str, Any]) -> Iterator[str]:
    rules = report["rules"]
    yield ""
    yield f"## Rules ({rules['count']})"
    if not rules["count"]:
        yield ""
        yield "No rule in the index carries this technique."
    for vendor, group in rules["by_vendor"].items():
        yield ""
        yield f"### {vendor} ({group['count']})"
        for rule in group["rules"]:
            yield ""
            yield f"- **{_cell(rule['title'])}** ({rule['level'] or 'no level'}), "
            yield f"  `{rule['rel_path']}`, techniques {', '.join(rule['techniques'])}"
            for label in ("predicates", "exclusions"):
                for predicate in rule[label]:
                    yield f"  - {label[:-1]}: {_code(predicate_text(predicate))}"
            for indicator in rule["indicators"]:
                text = _code(predicate_text(indicator))
                yield f"  - indicator: {text}, reach {indicator['corpus_reach']}"
