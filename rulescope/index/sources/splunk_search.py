"""Predicates of the SPL search language: base search, ``| search``, tstats ``where``.

``field=value`` is ``eq`` unless the value has a ``*`` (leading ``*`` is
``ends_with``, trailing ``starts_with``, both ``contains``, inner
``wildcard``, a lone ``*`` is ``is_not_null``); ``!=`` and ``NOT`` mark the
predicate negated; ``field IN (a, b)`` is one ``in`` predicate per value; a
bare term is a ``match`` on the ``keyword`` field. ``index``, ``source``,
``sourcetype`` and the like select data rather than test it: they are kept as
source hints, not predicates.
"""

from __future__ import annotations

from typing import Final

from lark import Token, Tree

from rulescope.index.sources.elastic_predicates import wildcard_operator
from rulescope.index.sources.splunk_terms import (
    Extraction,
    RawPredicate,
    parse,
    token_offset,
    token_text,
)

#: Fields that choose the data a search reads. Field names are case-sensitive:
#: ``eventtype`` is Splunk's, Okta's ``eventType`` is data.
SELECTOR_FIELDS: Final = frozenset(
    {"index", "source", "sourcetype", "eventtype", "Channel", "splunk_server"}
)
#: Search-time modifiers and tstats node selectors: neither data nor a test.
MODIFIER_FIELDS: Final = frozenset(
    {"earliest", "latest", "nodename", "summariesonly", "allow_old_summaries"}
)
KEYWORD_FIELD: Final = "keyword"

_RANGE: Final = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


def search_predicates(
    text: str, offset: int, clause: str, extraction: Extraction
) -> None:
    """Add the predicates of one search expression to ``extraction``."""
    tree = parse(text, "search_query", offset, f"{clause} expression")
    assert isinstance(tree, Tree)
    _walk(tree, False, _Context(offset, clause, extraction))


class _Context:
    """Where a walk writes, and the base its token offsets count from."""

    __slots__ = ("base", "clause", "extraction")

    def __init__(self, base: int, clause: str, extraction: Extraction) -> None:
        self.base = base
        self.clause = clause
        self.extraction = extraction

    def add(
        self, field: str, operator: str, value: str, negated: bool, at: int
    ) -> None:
        """Record one predicate."""
        self.extraction.predicates.append(
            RawPredicate(field, operator, value, negated, self.clause, at)
        )


def _walk(node: Tree[Token] | Token, negated: bool, context: _Context) -> None:
    """Walk one search-expression node with the polarity it sits under."""
    if isinstance(node, Token):
        return
    if node.data == "s_negation":
        _walk(node.children[0], not negated, context)
    elif node.data == "s_compare":
        key, comparator, value = node.children
        assert isinstance(key, Token) and isinstance(value, Token)
        _compare(key, str(comparator), value, negated, context)
    elif node.data == "s_in":
        key, *values = node.children
        assert isinstance(key, Token)
        for value in values:
            if isinstance(value, Token):
                _compare(key, "in", value, negated, context)
    elif node.data == "s_term":
        _term(node.children[0], negated, context)
    elif node.data != "s_subsearch":
        for child in node.children:
            _walk(child, negated, context)


def _compare(
    key: Token, comparator: str, value_token: Token, negated: bool, context: _Context
) -> None:
    """One ``field <comparator> value`` (or one value of an ``IN`` list)."""
    field, value = token_text(key), token_text(value_token)
    at = token_offset(key, context.base)
    if _is_selector(field, value, context.extraction):
        return
    if comparator in _RANGE:
        context.add(field, _RANGE[comparator], value, negated, at)
        return
    if comparator == "!=":
        negated = not negated
    operator, value = wildcard_operator(value)
    if operator == "eq" and comparator == "in":
        operator = "in"
    elif operator == "eq" and value == "":
        operator = "is_null"
    context.add(field, operator, value, negated, at)


def _is_selector(field: str, value: str, extraction: Extraction) -> bool:
    """Whether ``field`` selects data; its value is kept as a hint."""
    if field in SELECTOR_FIELDS:
        extraction.source_hints.append(value)
        return True
    if field == "nodename":
        extraction.datamodels.append(value)
    return field.lower() in MODIFIER_FIELDS


def _term(token: Tree[Token] | Token, negated: bool, context: _Context) -> None:
    """A bare term: a keyword search over the raw event."""
    assert isinstance(token, Token)
    value = token_text(token)
    operator, value = wildcard_operator(value)
    if operator == "is_not_null":
        return
    if operator == "eq":
        operator = "match"
    context.add(
        KEYWORD_FIELD, operator, value, negated, token_offset(token, context.base)
    )
