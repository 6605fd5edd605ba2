"""Sigma YAML parsed once: the C loader's node tree and the Python value built from it.

The node tree keeps every position (predicate lines, error marks); the Python
value is what pySigma reads. Building it straight from the nodes skips PyYAML's
generic constructor machinery, which costs as much as composing in C; anything
unusual (merge keys, explicit tags, aliases that loop) falls back to PyYAML's
own constructor so the value is always what ``yaml.safe_load`` would return.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

import yaml
from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.index.model import RuleFileError

_STR: Final = "tag:yaml.org,2002:str"
_SEQ: Final = "tag:yaml.org,2002:seq"
_MAP: Final = "tag:yaml.org,2002:map"
#: Keys the safe constructor rewrites (``<<`` merges, ``=`` values).
_SPECIAL_KEYS: Final = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
Document = tuple[Node, Any]


class SigmaLoader(yaml.CSafeLoader):
    """PyYAML's C loader with plain-scalar tag resolution memoized.

    The C parser asks Python to resolve every scalar's implicit tag, which is
    a regex scan; Sigma files repeat the same keys and values endlessly.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> Any:
        """The tag of a node; plain scalars through the shared cache."""
        if kind is ScalarNode and implicit[0]:
            return _plain_scalar_tag(value)
        return _base_resolve(self, kind, value, implicit)


# PyYAML's resolver is untyped; these names give it a signature.
_base_resolve: Final[Callable[..., Any]] = yaml.resolver.BaseResolver.resolve
_safe_resolve: Final[Callable[..., Any]] = yaml.resolver.Resolver().resolve


@lru_cache(maxsize=1 << 16)
def _plain_scalar_tag(value: str) -> Any:
    return _safe_resolve(ScalarNode, value, (True, False))


class _Unusual(Exception):
    """A node the fast path leaves to PyYAML's constructor."""


def load_documents(data: bytes | str) -> list[Document]:
    """Every YAML document of a file as (node tree, Python value)."""
    loader = SigmaLoader(data)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            documents.append((node, construct(node, loader)))
    except yaml.YAMLError as exc:
        raise yaml_error(exc) from exc
    finally:
        loader.dispose()
    return documents


def construct(node: Node, loader: SigmaLoader) -> Any:
    """The Python value of a document node, as PyYAML's safe constructor builds it."""
    try:
        return _value(node, loader, set())
    except _Unusual:
        return loader.construct_document(node)


def _value(node: Node, loader: SigmaLoader, open_nodes: set[int]) -> Any:
    if isinstance(node, ScalarNode):
        if node.tag == _STR:
            return node.value
        return loader.construct_object(node)
    if id(node) in open_nodes:
        raise _Unusual
    open_nodes.add(id(node))
    if isinstance(node, SequenceNode) and node.tag == _SEQ:
        result: Any = [_value(item, loader, open_nodes) for item in node.value]
    elif isinstance(node, MappingNode) and node.tag == _MAP:
        result = _mapping(node, loader, open_nodes)
    else:
        raise _Unusual
    open_nodes.discard(id(node))
    return result


def _mapping(
    node: MappingNode, loader: SigmaLoader, open_nodes: set[int]
) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag in _SPECIAL_KEYS:
            raise _Unusual
        result[_value(key_node, loader, open_nodes)] = _value(
            value_node, loader, open_nodes
        )
    return result


def yaml_error(exc: yaml.YAMLError) -> RuleFileError:
    """A YAML error as a file error at its 0-based mark."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return RuleFileError(f"invalid YAML: {problem}")
    return RuleFileError(f"invalid YAML: {problem}", mark.line, mark.column)
