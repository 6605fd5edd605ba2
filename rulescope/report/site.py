"""The static coverage site: the matrix, a page per technique, a page per rule.

Everything is loaded once (all rules with their predicates, and the reach of
every indicator in the index), then each technique's report is computed in
memory with the same :func:`~rulescope.report.coverage.build_report` the
``coverage`` command uses, and rendered with one jinja environment.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import sqlite3
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rulescope.report.catalog import Context
from rulescope.report.coverage import build_report, rule_json, technique_tactics
from rulescope.report.model import ReachTable, RuleRecord
from rulescope.report.queries import all_rules, corpus_reach, load_rules
from rulescope.report.render_html import (
    render_index_html,
    render_rule_html,
    render_technique_html,
    static_file,
)

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class SiteSummary:
    """What a site build wrote."""

    techniques: int = 0
    rules: int = 0
    milliseconds: int = 0


def build_site(
    db: sqlite3.Connection, outdir: Path, vendors: Sequence[str] = ()
) -> SiteSummary:
    """Write the whole site under ``outdir``."""
    started = time.perf_counter()
    context = Context.load(db)
    rules = load_rules(db, all_rules(vendors))
    reach = corpus_reach(db, None)
    pages = _rules_by_technique(rules)
    slugs = _rule_slugs(rules)
    _write_static(outdir)
    site = _Site(outdir, context, reach, list(vendors), set(pages))
    site.add_slugs(rules, slugs)
    for technique_id, page_rules in pages.items():
        site.technique_page(technique_id, page_rules)
    for rule in rules:
        site.rule_page(rule)
    columns = matrix_columns(context, pages)
    _write(
        outdir / "index.html",
        render_index_html(
            columns, len(pages), len(rules), context.attack_version, list(vendors)
        ),
    )
    summary = SiteSummary(len(pages), len(rules))
    summary.milliseconds = round((time.perf_counter() - started) * 1000)
    logger.info(
        "wrote %d technique and %d rule pages to '%s' in %d ms",
        summary.techniques,
        summary.rules,
        outdir,
        summary.milliseconds,
    )
    return summary


def _rules_by_technique(rules: list[RuleRecord]) -> dict[str, list[RuleRecord]]:
    """Technique id -> the rules on its page (tagged with it or one of its subs)."""
    pages: dict[str, list[RuleRecord]] = defaultdict(list)
    for rule in rules:
        for technique_id in {t for tag in rule.techniques for t in _page_ids(tag)}:
            pages[technique_id].append(rule)
    return dict(sorted(pages.items()))


def _page_ids(technique_id: str) -> tuple[str, ...]:
    parent = technique_id.split(".")[0]
    return (technique_id,) if parent == technique_id else (technique_id, parent)


def _rule_slugs(rules: list[RuleRecord]) -> dict[int, str]:
    """Rule -> its page below ``rules/``: vendor/path-derived, unique."""
    slugs: dict[int, str] = {}
    taken: set[str] = set()
    for rule in rules:
        stem = _UNSAFE.sub("-", rule.rel_path.rsplit(".", 1)[0]).strip("-") or "rule"
        slug, suffix = f"{rule.vendor}/{stem}", 2
        while slug in taken:
            slug, suffix = f"{rule.vendor}/{stem}-{suffix}", suffix + 1
        taken.add(slug)
        slugs[rule.id] = slug
    return slugs


def _write_static(outdir: Path) -> None:
    for sub in ("techniques", "rules"):
        shutil.rmtree(outdir / sub, ignore_errors=True)
    (outdir / "static").mkdir(parents=True, exist_ok=True)
    for name in ("site.css", "filter.js"):
        _write(outdir / "static" / name, static_file(name))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class _Site:
    """Writes technique and rule pages with links between them."""

    def __init__(
        self,
        outdir: Path,
        context: Context,
        reach: ReachTable,
        vendors: list[str],
        pages: set[str],
    ) -> None:
        self.outdir = outdir
        self.context = context
        self.reach = reach
        self.vendors = vendors
        self.pages = pages
        self.slugs: dict[int, str] = {}
        #: (path, rule id, title) -> slug: how a report's rule finds its page.
        self.slug_by_rule: dict[tuple[str, str, str], str] = {}

    def add_slugs(self, rules: list[RuleRecord], slugs: dict[int, str]) -> None:
        """Learn each rule's page."""
        self.slugs = slugs
        for rule in rules:
            self.slug_by_rule[(rule.path, rule.rule_id, rule.title)] = slugs[rule.id]

    def technique_page(self, technique_id: str, rules: list[RuleRecord]) -> None:
        """Write ``techniques/<id>.html``."""
        report = build_report(
            self.context, technique_id, rules, self.reach, self.vendors
        )
        html = render_technique_html(
            report,
            root="../",
            technique_href=lambda t: self._technique_href(t, "../"),
            rule_href=self._rule_href_from_technique,
        )
        _write(self.outdir / "techniques" / f"{technique_id}.html", html)

    def rule_page(self, rule: RuleRecord) -> None:
        """Write ``rules/<vendor>/<slug>.html``."""
        events = [
            {"provider": p, "event_id": e, "title": self.context.events.get((p, e), "")}
            for p, e in rule.events
        ]
        page_context = {
            "description": rule.description,
            "events": events,
            "names": {t: self.context.name(t) for t in rule.techniques},
            "attack_version": self.context.attack_version,
            "vendors": self.vendors,
        }
        html = render_rule_html(
            rule_json(rule, self.reach),
            page_context,
            root="../../",
            technique_href=lambda t: self._technique_href(t, "../../"),
        )
        _write(self.outdir / "rules" / f"{self.slugs[rule.id]}.html", html)

    def _technique_href(self, technique_id: str, root: str) -> str | None:
        if technique_id in self.pages:
            return f"{root}techniques/{technique_id}.html"
        return None

    def _rule_href_from_technique(self, rule: dict[str, Any]) -> str | None:
        slug = self.slug_by_rule.get((rule["path"], rule["rule_id"], rule["title"]))
        return f"../rules/{slug}.html" if slug else None


def matrix_columns(
    context: Context, pages: dict[str, list[RuleRecord]]
) -> list[dict[str, Any]]:
    """Tactic columns of technique cells, sub-techniques nested in their parent."""
    most = max((len(rules) for rules in pages.values()), default=1)
    cells: dict[str, dict[str, Any]] = {}
    for technique_id, rules in pages.items():
        if "." not in technique_id:
            cells[technique_id] = _cell(context, technique_id, rules, most)
    for technique_id, rules in pages.items():
        parent = technique_id.split(".")[0]
        if parent != technique_id:
            cells[parent]["subs"].append(_cell(context, technique_id, rules, most))
    by_tactic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for technique_id, cell in cells.items():
        record = context.technique(technique_id)
        for tactic in technique_tactics(record, pages[technique_id]) or ["unknown"]:
            by_tactic[tactic].append(cell)
    order = list(context.tactics) + sorted(set(by_tactic) - set(context.tactics))
    return [
        {
            "id": tactic,
            "name": context.tactics.get(tactic, tactic),
            "cells": sorted(by_tactic[tactic], key=lambda c: (-c["rules"], c["id"])),
        }
        for tactic in order
        if tactic in by_tactic
    ]


def _cell(
    context: Context, technique_id: str, rules: list[RuleRecord], most: int
) -> dict[str, Any]:
    name = context.name(technique_id)
    shade = math.ceil(6 * math.log1p(len(rules)) / math.log1p(most))
    return {
        "id": technique_id,
        "name": name or "(not in the catalog)",
        "rules": len(rules),
        "shade": max(1, min(shade, 6)),
        "search": f"{technique_id} {name}".lower(),
        "subs": [],
    }
