"""Derive the cross-vendor field map from pySigma's own backend pipelines.

``python -m rulescope.index.derive_fields`` reads the field mappings held by the
installed pipelines (``ecs_windows``; ``splunk_cim`` and ``splunk_windows``;
``microsoft_xdr``, ``sentinel_asim`` and ``azure_monitor``), reverses them
(vendor field -> Sigma field) and writes ``rulescope/index/data/fieldmap.json``.
The index only reads that JSON; it never runs this module.

Collision rule, when several Sigma fields map onto one vendor field: the most
general Sigma field wins (listed under the most SigmaHQ log sources: ``Image``
before ``TargetFilename`` before ``ParentImage``); ties go to the field with
more support (distinct pipeline scopes, i.e. log sources, CIM objects or Kusto
tables, that map it there), then to the name. Where a scope (a CIM object, a
Kusto table) has its own choice, it is kept under ``contexts``: ``FolderPath``
is ``Image`` in general but ``TargetFilename`` in ``DeviceFileEvents``.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from rulescope.index import derive_pipelines
from rulescope.index.derive_pipelines import Mapping

logger = logging.getLogger(__name__)

_REPO: Final = Path(__file__).resolve().parents[2]
OUTPUT: Final = _REPO / "rulescope" / "index" / "data" / "fieldmap.json"
SIGMA_FIELDS: Final = (
    _REPO.parent / "shared/reference/fields/sigma/sigmahq-logsource-fields.json"
)
_DISTRIBUTIONS: Final = (
    "pySigma",
    "pySigma-backend-elasticsearch",
    "pysigma-backend-splunk",
    "pySigma-backend-kusto",
)
#: Where raw Windows events keep Sigma's own field names (vendor -> the tables
#: or CIM objects where that holds; empty: wherever no data model is named):
#: Splunk's ``splunk_windows`` pipeline renames only EventID, and Sentinel's
#: Windows event tables carry the event data names unchanged.
PASSTHROUGH: Final[dict[str, list[str]]] = {
    "splunk": [],
    "sentinel": ["event", "securityevent", "windowsevent"],
}


@dataclass(frozen=True)
class Resolved:
    """One vendor's reversed map with its per-scope choices and collisions."""

    flat: dict[str, str]
    contexts: dict[str, dict[str, str]]
    collisions: dict[str, list[str]]
    scopes: dict[str, list[str]]


def load_generality(path: Path) -> tuple[dict[str, int], str]:
    """How many SigmaHQ log sources list each Sigma field, and the list's version."""
    document = json.loads(path.read_text(encoding="utf-8"))
    counts: dict[str, int] = defaultdict(int)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for name in node:
                counts[name] += 1

    walk(document.get("legit", {}))
    walk(document.get("addon", {}))
    return dict(counts), str(document.get("version", "unknown"))


def _ranked(candidates: dict[str, set[str]], generality: dict[str, int]) -> list[str]:
    """Sigma fields best first: generality, then support, then name."""
    return sorted(
        candidates,
        key=lambda sigma: (-generality.get(sigma, 0), -len(candidates[sigma]), sigma),
    )


def resolve(mappings: list[Mapping], generality: dict[str, int]) -> Resolved:
    """Reverse one vendor's mappings, choosing one Sigma field per vendor field."""
    support: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    scopes: dict[str, set[str | None]] = defaultdict(set)
    by_context: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    for mapping in mappings:
        key = mapping.vendor_field.lower()
        support[key][mapping.sigma_field].add(f"{mapping.pipeline}:{mapping.scope}")
        scopes[key].add(mapping.context.lower() if mapping.context else None)
        if mapping.context:
            context = by_context[mapping.context.lower()]
            context[key][mapping.sigma_field].add(mapping.pipeline)

    flat: dict[str, str] = {}
    collisions: dict[str, list[str]] = {}
    for key, candidates in support.items():
        ranked = _ranked(candidates, generality)
        flat[key] = ranked[0]
        if len(ranked) > 1:
            collisions[key] = ranked

    contexts: dict[str, dict[str, str]] = defaultdict(dict)
    for context_name, fields in by_context.items():
        for key, candidates in fields.items():
            contexts[context_name][key] = _ranked(candidates, generality)[0]
    # A field only table- or object-scoped mappings give is that scope's column.
    scoped = {
        key: sorted(filter(None, names))
        for key, names in scopes.items()
        if None not in names
    }
    return Resolved(flat, dict(contexts), collisions, scoped)


def spellings(mappings: list[Mapping], extra: list[str]) -> dict[str, str]:
    """Vendor field spellings where they differ from the lower-cased key."""
    names = [mapping.vendor_field for mapping in mappings] + extra
    return {name.lower(): name for name in sorted(names) if name != name.lower()}


def _compose(
    mappings: list[Mapping], ecs_map: dict[str, str], dropped: list[str]
) -> list[Mapping]:
    """Re-key entries keyed by ECS names (Splunk's DNS map) through the ECS map."""
    kept: list[Mapping] = []
    for mapping in mappings:
        if "." not in mapping.sigma_field:
            kept.append(mapping)
        elif sigma := ecs_map.get(mapping.sigma_field.lower()):
            kept.append(replace(mapping, sigma_field=sigma))
        else:
            dropped.append(f"{mapping.pipeline}/{mapping.scope}/{mapping.sigma_field}")
    dropped.sort()
    return kept


def derive(sigma_fields_path: Path) -> dict[str, Any]:
    """Build the whole fieldmap document."""
    generality, taxonomy_version = load_generality(sigma_fields_path)
    collected = derive_pipelines.collect(generality)
    document: dict[str, Any] = {
        "contexts": {},
        "collisions": {},
        "names": {},
        "scopes": {},
    }
    counts: dict[str, dict[str, int]] = {}
    for vendor, mappings in collected.mappings.items():
        if vendor != "elastic":
            mappings = _compose(
                mappings, document["elastic"], collected.dropped[vendor]
            )
        resolved = resolve(mappings, generality)
        document[vendor] = resolved.flat
        document["collisions"][vendor] = resolved.collisions
        if resolved.contexts:
            document["contexts"][vendor] = resolved.contexts
            document["scopes"][vendor] = resolved.scopes
        extra = collected.columns.get(vendor, [])
        document["names"][vendor] = spellings(mappings, extra)
        counts[vendor] = {
            "vendor_fields": len(resolved.flat),
            "collisions": len(resolved.collisions),
            "context_choices": sum(map(len, resolved.contexts.values())),
        }

    vocabulary = set(generality) | {
        m.sigma_field for ms in collected.mappings.values() for m in ms
    }
    document["sigma_fields"] = sorted(vocabulary)
    document["prefixes"] = collected.prefixes
    document["passthrough"] = PASSTHROUGH
    document["meta"] = _meta(taxonomy_version, counts, collected.dropped)
    return document


def _meta(
    taxonomy_version: str,
    counts: dict[str, dict[str, int]],
    dropped: dict[str, list[str]],
) -> dict[str, Any]:
    """Provenance: package versions, pipelines, the rule used, figures."""
    return {
        "generated_with": "python -m rulescope.index.derive_fields",
        "versions": {name: metadata.version(name) for name in _DISTRIBUTIONS},
        "sigmahq_logsource_fields_version": taxonomy_version,
        "pipelines": derive_pipelines.PIPELINES,
        "collision_rule": (
            "most general Sigma field (SigmaHQ log sources listing it), then most "
            "support (distinct pipeline scopes mapping it to the vendor field), "
            "then name; each scope's own choice is kept under contexts"
        ),
        "errata": {
            f"{pipeline}/{scope}/{field}": reason
            for (pipeline, scope, field), reason in derive_pipelines.ERRATA.items()
        },
        "counts": counts,
        "dropped_sigma_keys": dropped,
    }


def write(document: dict[str, Any], output: Path) -> None:
    """Write the document deterministically (sorted keys, trailing newline)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=True)
    output.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line entry: derive, write, print coverage figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sigma-fields", type=Path, default=SIGMA_FIELDS)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if not args.sigma_fields.is_file():
        parser.error(f"SigmaHQ field list not found: '{args.sigma_fields}'")

    document = derive(args.sigma_fields)
    write(document, args.output)
    # A generator's figures are its output: stdout on purpose.
    print(f"wrote {args.output}")  # noqa: T201
    for vendor, figures in sorted(document["meta"]["counts"].items()):
        line = ", ".join(f"{name} {value}" for name, value in sorted(figures.items()))
        print(f"{vendor}: {line}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
