"""The ``rulescope.convertRule`` command: the rule as the pySigma backends write it.

Each installed backend converts the document's current text with the
processing pipeline its platform expects (Windows rules through the ECS or
Splunk Windows field names; Kusto through Microsoft Defender XDR's tables).
pySigma changes a rule in place while converting it, so the text is parsed
again for every backend. A backend that cannot convert the rule says why in
one line instead of a query.

The conversion runs in a worker thread (it needs no index); the client's
``$/cancelRequest`` stops it before the next parse or conversion step (see
:mod:`rulescope.server.cancellation`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from rulescope.server.cancellation import run_cancellable

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

logger = logging.getLogger(__name__)

COMMAND: Final = "rulescope.convertRule"
#: pySigma's Kusto pipelines follow an unknown field's name with every valid
#: field (1,500+ characters); the preview keeps the sentence naming the field.
_FIELD_LIST: Final = re.compile(
    r"^(.*? field name encountered: .*?\.) Please use valid fields .*$"
)


@dataclass(slots=True, frozen=True)
class Target:
    """A backend, its label, and the pipeline for Windows rules (and others)."""

    backend: str
    label: str
    windows_pipeline: str | None
    pipeline: str | None = None


TARGETS: Final = (
    Target("splunk", "Splunk SPL", "splunk_windows"),
    Target("lucene", "Elasticsearch Lucene", "ecs_windows"),
    Target("eql", "Elasticsearch EQL", "ecs_windows"),
    Target("kusto", "Microsoft Defender XDR (KQL)", "microsoft_xdr", "microsoft_xdr"),
)


@dataclass(slots=True)
class Conversion:
    """One backend's queries for the rule, or why it could not convert it."""

    backend: str
    label: str
    pipeline: str | None
    queries: list[str] = field(default_factory=list)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        """The command's shape for one backend."""
        return {
            "backend": self.backend,
            "label": self.label,
            "pipeline": self.pipeline,
            "queries": self.queries,
            "error": self.error,
        }


def _plugins() -> Any:
    from sigma.plugins import InstalledSigmaPlugins

    from rulescope.server.validators import validator_classes

    validator_classes()  # points pySigma's ATT&CK and data loaders offline
    return InstalledSigmaPlugins.autodiscover(include_validators=False)


def _no_check() -> None:
    return None


def convert(text: str, check: Callable[[], None] = _no_check) -> list[Conversion]:
    """The rule in ``text`` converted by every installed target backend.

    ``check`` is called before each step (plugin discovery, then each
    backend's parse and conversion); whatever it raises stops the work.
    """
    check()
    plugins = _plugins()
    results = []
    for target in TARGETS:
        backend_class = plugins.backends.get(target.backend)
        if backend_class is None:
            results.append(
                Conversion(target.backend, target.label, None, error="not installed")
            )
            continue
        check()
        results.append(_convert_with(plugins, backend_class, target, text, check))
    return results


def _convert_with(
    plugins: Any,
    backend_class: Any,
    target: Target,
    text: str,
    check: Callable[[], None],
) -> Conversion:
    from sigma.collection import SigmaCollection
    from sigma.exceptions import SigmaError

    pipeline = None
    try:
        collection = SigmaCollection.from_yaml(text)
        pipeline = _pipeline_name(collection, target)
        conversion = Conversion(target.backend, target.label, pipeline)
        backend = backend_class(_pipeline(plugins, pipeline))
        check()
        conversion.queries = [str(q) for q in backend.convert(collection)]
    except (
        SigmaError,
        ValueError,
        TypeError,
        KeyError,
        NotImplementedError,
    ) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        message = _FIELD_LIST.sub(r"\1", message)
        conversion = Conversion(target.backend, target.label, pipeline, error=message)
    if not conversion.queries and not conversion.error:
        conversion.error = "the backend produced no query for this rule"
    return conversion


def _pipeline_name(collection: Any, target: Target) -> str | None:
    products = {
        getattr(rule.logsource, "product", None)
        for rule in collection.rules
        if hasattr(rule, "logsource")
    }
    if "windows" in products:
        return target.windows_pipeline
    return target.pipeline


def _pipeline(plugins: Any, name: str | None) -> Any:
    if name is None:
        return None
    return plugins.pipelines[name]()


def as_markdown(conversions: list[Conversion]) -> str:
    """The conversions as one Markdown page, a section per backend."""
    parts = []
    for conversion in conversions:
        via = f" (pipeline `{conversion.pipeline}`)" if conversion.pipeline else ""
        parts.append(f"### {conversion.label}{via}\n")
        if conversion.error:
            parts.append(f"Cannot convert: {conversion.error}\n")
        for query in conversion.queries:
            parts.append(f"```\n{query}\n```\n")
    return "\n".join(parts)


def register(server: RulescopeServer) -> None:
    """Serve ``rulescope.convertRule``: [uri] -> each backend's queries."""

    @server.command(COMMAND)
    async def on_convert_rule(*arguments: Any) -> dict[str, Any]:
        if not arguments:
            return {"conversions": [], "markdown": ""}
        sigma, _ = server.document(str(arguments[0]))
        text = sigma.text
        conversions = await run_cancellable(
            server, lambda token: convert(text, token.check)
        )
        return {
            "conversions": [c.as_json() for c in conversions],
            "markdown": as_markdown(conversions),
        }
