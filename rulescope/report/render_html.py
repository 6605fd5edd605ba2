"""HTML pages from jinja2 templates: a technique's report, a rule, the matrix.

One :class:`jinja2.Environment` serves every page of a site. Links between
pages come from two callables the caller passes (``technique_href`` and
``rule_href``), so the same template renders a standalone page (links to
ATT&CK only) and the pages of the static site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import markupsafe

from rulescope.report.render_text import technique_status

Href = Callable[[Any], str | None]


@cache
def environment() -> jinja2.Environment:
    """The shared template environment (autoescaping, templates in the package)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rulescope.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["prose"] = prose
    return env


_CODE_SPAN = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def prose(text: str) -> markupsafe.Markup:
    """ATT&CK's description Markdown as HTML: code spans and links, all else escaped."""
    html = str(markupsafe.escape(text))
    html = _CODE_SPAN.sub(r"<code>\1</code>", html)
    return markupsafe.Markup(_LINK.sub(r'<a href="\2">\1</a>', html))


def static_file(name: str) -> str:
    """The text of a file in the package's ``static`` folder."""
    return resources.files("rulescope.report").joinpath("static", name).read_text()


def _no_link(_: Any) -> str | None:
    return None


def render_technique_html(
    report: dict[str, Any],
    root: str | None = None,
    technique_href: Href = _no_link,
    rule_href: Href = _no_link,
) -> str:
    """A technique's report page; standalone (styles inline) when ``root`` is None."""
    return (
        environment()
        .get_template("technique.html.j2")
        .render(
            report=report,
            status=technique_status(report["technique"]),
            root=root,
            inline_css=static_file("site.css") if root is None else "",
            attack_version=report["technique"]["attack_version"],
            vendors=report["vendors"],
            technique_href=technique_href,
            rule_href=rule_href,
        )
    )


def render_rule_html(
    rule: dict[str, Any],
    context: dict[str, Any],
    root: str,
    technique_href: Href,
) -> str:
    """One rule's page of the static site.

    ``context`` carries ``description``, ``events`` (dicts with provider,
    event_id, title), ``names`` (technique id -> name), ``attack_version``
    and ``vendors``.
    """
    return (
        environment()
        .get_template("rule.html.j2")
        .render(
            rule=rule,
            root=root,
            inline_css="",
            technique_href=technique_href,
            rule_href=_no_link,
            **context,
        )
    )


def render_index_html(
    columns: list[dict[str, Any]],
    technique_count: int,
    rule_count: int,
    attack_version: str,
    vendors: list[str],
) -> str:
    """The site's index page: the matrix by tactic with its filter box."""
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            columns=columns,
            technique_count=technique_count,
            rule_count=rule_count,
            root="",
            inline_css="",
            attack_version=attack_version,
            vendors=vendors,
        )
    )
