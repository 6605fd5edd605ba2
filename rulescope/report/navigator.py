"""ATT&CK Navigator layers (format 4.5) and the list of techniques with rules.

A layer scores each technique with the number of rules tagged with exactly
that id (Navigator shows sub-techniques in their own cells, so a parent's
score does not repeat its subs'), restricted to the chosen vendors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from rulescope.index.model import VENDORS
from rulescope.report.catalog import Context
from rulescope.report.queries import inclusive_counts, rule_counts

LAYER_FORMAT = "4.5"
NAVIGATOR_VERSION = "5.1.0"


def navigator_layer(
    db: sqlite3.Connection, vendors: Sequence[str] = ()
) -> dict[str, Any]:
    """A Navigator layer scoring every tagged technique by its rule count."""
    context = Context.load(db, records=False)
    counts = rule_counts(db, vendors)
    chosen = list(vendors) or list(VENDORS)
    techniques = [
        _layer_technique(technique_id, by_vendor)
        for technique_id, by_vendor in sorted(counts.items())
    ]
    most = max((t["score"] for t in techniques), default=1)
    return {
        "name": "rulescope coverage" + (f" ({', '.join(vendors)})" if vendors else ""),
        "versions": {
            "attack": context.attack_version.split(".")[0],
            "navigator": NAVIGATOR_VERSION,
            "layer": LAYER_FORMAT,
        },
        "domain": "enterprise-attack",
        "description": (
            "Rules per technique in the rulescope index, vendors: "
            + ", ".join(chosen)
            + ". A score counts the rules tagged with exactly that id."
        ),
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {
            "colors": ["#e3f0fbff", "#1f68b4ff"],
            "minValue": 0,
            "maxValue": most,
        },
        "legendItems": [],
        "metadata": [{"name": "generator", "value": "rulescope"}],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
    }


def _layer_technique(technique_id: str, by_vendor: dict[str, int]) -> dict[str, Any]:
    total = sum(by_vendor.values())
    vendors = ", ".join(f"{v} {by_vendor[v]}" for v in VENDORS if v in by_vendor)
    return {
        "techniqueID": technique_id,
        "score": total,
        "comment": f"{total} rule{'' if total == 1 else 's'}: {vendors}",
        "enabled": True,
        "showSubtechniques": False,
    }


def technique_list(
    db: sqlite3.Connection, vendors: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Every technique with a page: id, name and its rule count (subs included)."""
    context = Context.load(db, records=False)
    return [
        {"id": technique_id, "name": context.name(technique_id), "rules": rules}
        for technique_id, rules in sorted(inclusive_counts(db, vendors).items())
        if rules
    ]
