"""The index build: every source's files read (on all cores) into one new index.

A file that cannot be read is recorded as a failure and the build goes on; the
new index replaces the old one only when the whole build has succeeded.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rulescope.index import store
from rulescope.index.catalog import Catalog, load_catalog
from rulescope.index.model import EventRef, Failure, Rule, RuleFileError
from rulescope.index.sources import Source

logger = logging.getLogger(__name__)

#: vendor -> "module:class" of its source, imported only when used.
SOURCE_CLASSES = {
    "sigma": "rulescope.index.sources.sigma:SigmaSource",
    "elastic": "rulescope.index.sources.elastic:ElasticSource",
    "splunk": "rulescope.index.sources.splunk:SplunkSource",
    "sentinel": "rulescope.index.sources.sentinel:SentinelSource",
}

#: Below this many files the build reads in-process: workers cost more than they save.
_PARALLEL_FROM = 400

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class SourceSpec:
    """A vendor and the folder its rules are read from."""

    vendor: str
    root: Path


@dataclass(slots=True)
class BuildSummary:
    """What a build did, for the one-line summary."""

    files: int = 0
    rules: int = 0
    #: Files not indexed at all.
    failures: int = 0
    #: Rules kept without predicates because their query did not parse.
    query_failures: int = 0
    milliseconds: int = 0
    by_vendor: dict[str, int] = field(default_factory=dict)


def make_source(spec: SourceSpec) -> Source:
    """Instantiate the source class registered for ``spec.vendor``."""
    module_name, class_name = SOURCE_CLASSES[spec.vendor].split(":")
    source_class = getattr(importlib.import_module(module_name), class_name)
    source: Source = source_class(spec.root.resolve())
    return source


def build_index(
    specs: Sequence[SourceSpec],
    target: Path,
    catalog: Catalog | None = None,
    reference_dir: Path | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BuildSummary:
    """Build the index at ``target`` from ``specs``, atomically."""
    started = time.perf_counter()
    if catalog is None:
        catalog = load_catalog(reference_dir or Path("../shared/reference"))
    sources = [make_source(spec) for spec in specs]
    jobs = [(s.vendor, str(s.root), str(p)) for s in sources for p in s.files()]
    summary = BuildSummary(files=len(jobs))
    with store.writing(target) as writer:
        writer.add_catalog(catalog)
        for source in sources:
            count = sum(1 for job in jobs if job[0] == source.vendor)
            writer.add_source(source.vendor, source.root, count)
        for done, (vendor, root, path, outcome) in enumerate(
            _read_all(jobs, workers), start=1
        ):
            _store_outcome(writer, catalog, vendor, Path(root), path, outcome, summary)
            if progress is not None:
                progress(done, len(jobs))
        writer.set_meta("built_at", datetime.now(UTC).isoformat(timespec="seconds"))
        writer.set_meta("sources", ",".join(f"{s.vendor}={s.root}" for s in sources))
    summary.milliseconds = round((time.perf_counter() - started) * 1000)
    return summary


Outcome = list[Rule] | Failure
Job = tuple[str, str, str]


def _read_all(
    jobs: list[Job], workers: int | None
) -> Iterator[tuple[str, str, str, Outcome]]:
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers == 1 or len(jobs) < _PARALLEL_FROM:
        for job in jobs:
            yield (*job, _read_one(job))
        return
    chunk = max(1, len(jobs) // (workers * 16))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_exit_with_parent, initargs=(os.getpid(),)
    ) as pool:
        for job, outcome in zip(
            jobs, pool.map(_read_one, jobs, chunksize=chunk), strict=True
        ):
            yield (*job, outcome)


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker once the build process is gone."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    # A build killed with SIGKILL cannot stop its workers, which would block
    # forever writing results to a pipe that nobody reads.
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


_worker_sources: dict[tuple[str, str], Source] = {}


def _read_one(job: Job) -> Outcome:
    """Read one file; every error becomes a recorded failure."""
    vendor, root, path = job
    source = _worker_sources.get((vendor, root))
    if source is None:
        source = make_source(SourceSpec(vendor, Path(root)))
        _worker_sources[(vendor, root)] = source
    try:
        return source.read(Path(path))
    except RuleFileError as exc:
        return Failure(vendor, path, exc.reason, exc.line, exc.column)
    except Exception as exc:  # a source bug must not stop the build
        logger.debug("unexpected error reading '%s'", path, exc_info=True)
        return Failure(vendor, path, f"{type(exc).__name__}: {exc}")


def _store_outcome(
    writer: store.IndexWriter,
    catalog: Catalog,
    vendor: str,
    root: Path,
    path: str,
    outcome: Outcome,
    summary: BuildSummary,
) -> None:
    if isinstance(outcome, Failure):
        writer.add_failure(outcome)
        summary.failures += 1
        return
    rel_path = _relative(path, root)
    for rule in outcome:
        rule.events = _with_logsource_events(rule, catalog)
        writer.add_rule(rule, rel_path)
        summary.rules += 1
        summary.by_vendor[vendor] = summary.by_vendor.get(vendor, 0) + 1
        if rule.query_error is not None:
            summary.query_failures += 1
            error = rule.query_error
            writer.add_failure(
                Failure(vendor, path, error.reason, error.line, error.column, "query")
            )


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def _with_logsource_events(rule: Rule, catalog: Catalog) -> list[EventRef]:
    """The rule's own events plus those its Sigma log source category implies."""
    category = rule.logsource.get("category", "")
    product = rule.logsource.get("product", "windows")
    events = list(rule.events)
    if category and product == "windows":
        known = {(e.provider, e.event_id) for e in events}
        for provider, event_id in catalog.category_events.get(category, []):
            if (provider, event_id) not in known:
                events.append(EventRef(provider, event_id, "logsource"))
    return events
