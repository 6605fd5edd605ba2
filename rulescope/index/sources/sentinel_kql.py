"""Walk a Kusto query and collect its ``where`` predicates and tables.

The query is lexed once with ``grammars/kusto.lark``. This module then does
the structural work on the token list itself: statements split at top-level
``;``, pipelines at top-level ``|``, ``let`` bindings (scalars and
``dynamic([...])`` lists are inlined where used; tabular lets and functions
are walked for their own clauses), ``union`` branches, ``join``/``lookup``
subqueries and parenthesised subqueries anywhere. Only ``where``/``filter``
expressions are parsed, each one on its own, so an operator the grammar does
not know costs one clause and not the query. Every other operator is skipped
up to the next top-level ``|``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

from lark import Token
from lark.exceptions import LarkError, UnexpectedInput, UnexpectedToken

from rulescope.index.model import QueryError
from rulescope.index.sources.sentinel_kql_expr import (
    Column,
    Leaf,
    Values,
    WhereTransformer,
)
from rulescope.index.sources.sentinel_kql_tokens import (
    drop_parameters,
    function_body,
    groups,
    is_tabular,
    parser,
    split,
)

_WHERE: Final = frozenset({"where", "filter"})
_JOINS: Final = frozenset({"join", "lookup"})
#: Source forms that produce rows but name no table.
_NOT_TABLES: Final = frozenset(
    {"datatable", "print", "range", "externaldata", "evaluate", "find", "search"}
)
#: Tabular operators that may open a subquery with no input named (mv-apply).
_OPERATORS: Final = frozenset(
    {"where", "filter", "extend", "project", "summarize", "take", "top", "sort"}
)
#: Calls that wrap a tabular expression.
_WRAPPERS: Final = frozenset({"materialize", "view", "toscalar"})
#: A stand-in for a parenthesised subquery inside a ``where`` expression.
_SUBQUERY: Final = "__subquery__"


@dataclass(slots=True)
class Scope:
    """One tabular pipeline: its tables, its own where leaves, its subqueries."""

    tables: list[str] = field(default_factory=list)
    leaves: list[Leaf] = field(default_factory=list)
    #: Union branches and source subqueries: later clauses filter their rows.
    sources: list[Scope] = field(default_factory=list)
    #: Join, lookup and ``in (...)`` subqueries: separate row sets.
    others: list[Scope] = field(default_factory=list)


@dataclass(slots=True)
class QueryWalk:
    """What one query yields: all leaves, all scopes, the first clause error."""

    leaves: list[Leaf] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    error: QueryError | None = None
    clauses: int = 0
    failed_clauses: int = 0


def walk_query(query: str) -> QueryWalk:
    """Lex ``query`` and walk every statement in it."""
    walk = QueryWalk()
    tokens = list(parser().lex(query))
    walker = _Walker(walk, {}, {})
    for statement in split(tokens, "SEMICOLON"):
        walker.statement(statement)
    return walk


class _Walker:
    """Walks statements with one ``let`` environment."""

    def __init__(
        self, walk: QueryWalk, scalars: dict[str, Values], tabulars: dict[str, Scope]
    ) -> None:
        self._walk = walk
        self._scalars = scalars
        self._tabulars = tabulars

    def statement(self, tokens: list[Token]) -> None:
        """A ``let`` binding, a query statement, or something skipped."""
        if not tokens:
            return
        head = tokens[0].value
        if head == "let" and len(tokens) > 3 and tokens[2].type == "_ASSIGN":
            self._let(tokens[1].value, tokens[3:])
        elif head not in ("set", "declare", "alias", "pattern", "restrict"):
            self._walk.scopes.append(self.pipeline(tokens))

    def _let(self, name: str, value: list[Token]) -> None:
        """Bind a scalar or list for inlining; walk a tabular value or function."""
        body = function_body(value)
        if body is not None:
            child = _Walker(self._walk, dict(self._scalars), dict(self._tabulars))
            scopes_before = len(self._walk.scopes)
            for statement in split(body, "SEMICOLON"):
                child.statement(statement)
            self._tabulars[name] = _merge(self._walk.scopes[scopes_before:])
            del self._walk.scopes[scopes_before:]
            return
        if is_tabular(value) or self._is_table_name(value):
            self._tabulars[name] = self.pipeline(value)
            return
        node = self._expression(value)
        if isinstance(node, Values):
            self._scalars[name] = node

    def _is_table_name(self, value: list[Token]) -> bool:
        """``let t = SigninLogs;`` or ``let t = materialize(...)``: a table."""
        head = value[0].value
        if head in _WRAPPERS or head == "union":
            return True
        if len(value) == 1 and value[0].type == "NAME":
            return head not in self._scalars and head not in ("true", "false")
        return head in self._tabulars

    def pipeline(self, tokens: list[Token]) -> Scope:
        """Walk one pipeline: its source, then each operator."""
        scope = Scope()
        segments = list(split(tokens, "PIPE"))
        if segments:
            self._source(segments[0], scope)
        for segment in segments[1:]:
            self._operator(segment, scope)
        return scope

    def _source(self, tokens: list[Token], scope: Scope) -> None:
        """The rows a pipeline starts from: a table, a union, a subquery."""
        if not tokens:
            return
        head = tokens[0]
        if head.value in _OPERATORS:
            self._operator(tokens, scope)
        elif head.value == "union":
            self._union(tokens[1:], scope)
        elif head.type == "_LPAR" or head.value in _WRAPPERS:
            for start, end in groups(tokens):
                scope.sources.append(self._subquery(tokens[start + 1 : end - 1]))
        elif head.type == "NAME" and head.value not in _NOT_TABLES:
            self._table(head.value, scope.sources, scope)
            self._nested(tokens[1:], scope)

    def _table(self, name: str, into: list[Scope], scope: Scope) -> None:
        """A named row source: a tabular ``let`` or a table (or function)."""
        if name in self._tabulars:
            into.append(self._tabulars[name])
            return
        if into is scope.sources:
            scope.tables.append(name)
        else:
            into.append(Scope(tables=[name]))
        if name not in self._walk.tables:
            self._walk.tables.append(name)

    def _subquery(self, tokens: list[Token]) -> Scope:
        """A parenthesised tabular expression, possibly with its own lets."""
        statements = list(split(tokens, "SEMICOLON"))
        if len(statements) == 1:
            return self.pipeline(statements[0])
        child = _Walker(self._walk, dict(self._scalars), dict(self._tabulars))
        before = len(self._walk.scopes)
        for statement in statements:
            child.statement(statement)
        merged = _merge(self._walk.scopes[before:])
        del self._walk.scopes[before:]
        return merged

    def _union(self, tokens: list[Token], scope: Scope) -> None:
        """``union [kind=..] [isfuzzy=..] T1, (subquery), T2``."""
        for branch in split(tokens, "_COMMA"):
            branch = drop_parameters(branch)
            if not branch:
                continue
            if branch[0].type == "_LPAR":
                scope.sources.append(self._subquery(branch[1:-1]))
            elif branch[0].type == "NAME":
                self._table(branch[0].value, scope.sources, scope)

    def _operator(self, tokens: list[Token], scope: Scope) -> None:
        """One ``| operator ...`` segment."""
        name = tokens[0].value if tokens else ""
        if name in _WHERE:
            self._where(tokens[1:], scope)
        elif name == "union":
            self._union(tokens[1:], scope)
        elif name in _JOINS:
            self._join(tokens[1:], scope)
        else:
            self._nested(tokens[1:], scope)

    def _join(self, tokens: list[Token], scope: Scope) -> None:
        """``join kind=inner (subquery) on Key`` or ``join T on Key``."""
        tokens = drop_parameters(tokens)
        if not tokens:
            return
        if tokens[0].type == "_LPAR":
            end = next(end for start, end in groups(tokens) if start == 0)
            scope.others.append(self._subquery(tokens[1 : end - 1]))
        elif tokens[0].type == "NAME":
            self._table(tokens[0].value, scope.others, scope)

    def _nested(self, tokens: list[Token], scope: Scope) -> list[Token]:
        """Walk every subquery inside ``tokens``; return them with placeholders."""
        kept: list[Token] = []
        position = 0
        for start, end in groups(tokens):
            inner = tokens[start + 1 : end - 1]
            kept.extend(tokens[position:start])
            if is_tabular(inner):
                scope.others.append(self._subquery(inner))
                kept.append(tokens[start])
                kept.append(Token.new_borrow_pos("NAME", _SUBQUERY, tokens[start]))
                kept.append(tokens[end - 1])
            else:
                kept.extend(tokens[start : start + 1])
                kept.extend(self._nested(inner, scope))
                kept.append(tokens[end - 1])
            position = end
        kept.extend(tokens[position:])
        return kept

    def _where(self, tokens: list[Token], scope: Scope) -> None:
        """Parse one ``where`` expression and keep its leaves."""
        self._walk.clauses += 1
        node = self._expression(self._nested(tokens, scope), record=True)
        if isinstance(node, list):
            table = first_table(scope)
            leaves = [replace(leaf, table=table) for leaf in node]
            scope.leaves.extend(leaves)
            self._walk.leaves.extend(leaves)

    def _expression(
        self, tokens: list[Token], record: bool = False
    ) -> Column | Values | list[Leaf] | None:
        """Parse and reduce one expression; a failure is recorded when asked."""
        if not tokens:
            return None
        try:
            interactive = parser().parse_interactive(start="expr")
            for token in tokens:
                interactive.feed_token(token)
            tree = interactive.feed_eof(tokens[-1])  # type: ignore[no-untyped-call]
            return WhereTransformer(self._scalars).transform(tree)
        except LarkError as error:
            if record:
                self._record(error, tokens[-1])
            return None

    def _record(self, error: LarkError, last: Token) -> None:
        """Keep the first clause error, positioned within the query."""
        self._walk.failed_clauses += 1
        if self._walk.error is not None:
            return
        token = error.token if isinstance(error, UnexpectedToken) else last
        reason = _reason(error, token)
        line = token.line if token.type != "$END" else last.end_line
        column = token.column if token.type != "$END" else last.end_column
        self._walk.error = QueryError(reason, line or 0, column or 0)


def first_table(scope: Scope) -> str:
    """The first table a scope reads, directly or through its sources."""
    if scope.tables:
        return scope.tables[0]
    for source in scope.sources:
        table = first_table(source)
        if table:
            return table
    return ""


def _reason(error: LarkError, token: Token) -> str:
    """A short, groupable reason for a clause that did not parse."""
    if isinstance(error, UnexpectedToken):
        if token.type == "$END":
            return "where clause: unexpected end of clause"
        return f"where clause: unexpected {token.type} '{token.value}'"
    if isinstance(error, UnexpectedInput):
        return "where clause: unexpected input"
    return f"where clause: {type(error).__name__}"


def _merge(scopes: list[Scope]) -> Scope:
    """One scope whose sources are the last statement's (the function result)."""
    if not scopes:
        return Scope()
    return scopes[-1]
