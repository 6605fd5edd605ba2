"""The authoring aids, registered together on the server.

Navigation (definition, references, rename), document and workspace
symbols, quick fixes, code lenses on tags, the similar-rules and conversion
commands. Each lives in its own module; this one only registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer


def register(server: RulescopeServer) -> None:
    """Register every authoring aid's handlers."""
    from rulescope.server import (
        code_actions,
        code_lens,
        conversion,
        navigation,
        similar,
        symbols,
        workspace_index,
    )

    navigation.register(server)
    symbols.register(server)
    code_actions.register(server)
    code_lens.register(server)
    similar.register(server)
    conversion.register(server)
    workspace_index.register(server)
