"""The rulescope language server: lifecycle, settings and the open documents.

Serves initialize/initialized, workspace/didChangeConfiguration and the
feature modules registered in :func:`create_server`. The index is opened at
initialize; without one the server keeps to syntax and structure and says
once how to build it. pySigma loads in a background thread after initialize
so the first reply is not kept waiting.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Final

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from rulescope import __version__
from rulescope.index.store import IndexUnavailable
from rulescope.server.corpus import Corpus
from rulescope.server.document import DocumentCache, SigmaDocument
from rulescope.server.lifecycle import AnsweringProtocol, ExitStatus, watch_parent
from rulescope.server.settings import Settings, merge_settings

logger = logging.getLogger(__name__)

# Two searches, not one `title.*detection`: that backtracks quadratically on a
# large document with many `title:` lines and no `detection:`.
_TITLE_LINE: Final = re.compile(r"^title[ \t]*:", re.M)
_DETECTION_LINE: Final = re.compile(r"^(detection|correlation)[ \t]*:", re.M)


class RulescopeServer(LanguageServer):
    """A pygls server holding settings, the corpus and parsed documents."""

    def __init__(self, index_path: Path | None = None) -> None:
        super().__init__("rulescope", __version__, protocol_cls=AnsweringProtocol)
        self.settings = Settings(index_path=index_path)
        #: The open index, or None when there is none yet.
        self.corpus: Corpus | None = None
        self.documents = DocumentCache()
        self._last_good: dict[str, SigmaDocument] = {}
        self._told_missing = False
        self.exit_status = ExitStatus()

    def document(self, uri: str) -> tuple[SigmaDocument, TextDocument]:
        """The parsed current version of an open document and its text document."""
        text_document = self.workspace.get_text_document(uri)
        sigma = self.documents.get(uri, text_document.version, text_document.source)
        if sigma.root is not None:
            self._last_good[uri] = sigma
        return sigma, text_document

    def last_good(self, uri: str) -> SigmaDocument:
        """The latest version of a document that parsed, else the current one."""
        sigma, _ = self.document(uri)
        return sigma if sigma.root is not None else self._last_good.get(uri, sigma)

    def forget(self, uri: str) -> None:
        """Drop a closed document's cached versions."""
        self.documents.drop(uri)
        self._last_good.pop(uri, None)

    def serves(self, sigma: SigmaDocument) -> bool:
        """Whether a document is a Sigma rule (by content, or a configured glob)."""
        if sigma.is_sigma or sigma.matches_globs(self.settings.file_globs):
            return True
        previous = self._last_good.get(sigma.uri)
        if sigma.syntax_error is not None:
            return bool(previous and previous.is_sigma) or looks_sigma(sigma.text)
        return False

    def apply_settings(self, options: object) -> bool:
        """Merge client settings; True when the index path changed."""
        before = self.settings.resolved_index_path()
        self.settings = merge_settings(self.settings, options)
        return self.settings.resolved_index_path() != before

    def open_corpus(self) -> None:
        """(Re)open the index the settings name; remember why when there is none."""
        if self.corpus is not None:
            self.corpus.close()
            self.corpus = None
        path = self.settings.resolved_index_path()
        started = time.perf_counter()
        try:
            self.corpus = Corpus.open(path)
        except IndexUnavailable as exc:
            logger.warning("%s", exc)
            return
        elapsed = (time.perf_counter() - started) * 1000
        logger.info(
            "opened index '%s' (%d rules) in %.0f ms",
            path,
            self.corpus.rule_count,
            elapsed,
        )

    def tell_missing_index(self) -> None:
        """Say once, in a message, how to build the index."""
        if self.corpus is not None or self._told_missing:
            return
        self._told_missing = True
        path = self.settings.resolved_index_path()
        self.window_show_message(
            types.ShowMessageParams(
                types.MessageType.Warning,
                f"rulescope: no index at '{path}'. Run 'rulescope index build' "
                "(or set rulescope.indexPath); until then only syntax and "
                "structure are checked.",
            )
        )


def looks_sigma(text: str) -> bool:
    """Whether unparsed text has a top-level ``title`` and ``detection`` line."""
    return bool(_TITLE_LINE.search(text) and _DETECTION_LINE.search(text))


def warm_up(corpus: Corpus | None) -> None:
    """Summarize the index's fields, load pySigma and discover the validators."""
    from rulescope.server.checks import known_modifiers
    from rulescope.server.validators import validator_classes

    if corpus is not None:
        try:
            corpus.prepare()
        except Exception:
            logger.exception("summarizing the index failed")
    started = time.perf_counter()
    try:
        validator_classes()
        known_modifiers()
    except Exception:
        logger.exception("loading pySigma failed")
        return
    logger.info("pySigma ready in %.0f ms", (time.perf_counter() - started) * 1000)


def register(server: RulescopeServer) -> None:
    """Lifecycle and configuration handlers."""

    @server.feature(types.INITIALIZE)
    def on_initialize(params: types.InitializeParams) -> None:
        watch_parent(params.process_id)
        server.apply_settings(params.initialization_options)
        server.open_corpus()
        threading.Thread(target=warm_up, args=(server.corpus,), daemon=True).start()

    @server.feature(types.SHUTDOWN)
    def on_shutdown(params: None) -> None:
        server.exit_status.shutdown_requested = True

    @server.feature(types.EXIT)
    def on_exit(params: None) -> None:
        server.exit_status.exit_requested = True

    @server.feature(types.INITIALIZED)
    def on_initialized(params: types.InitializedParams) -> None:
        server.tell_missing_index()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def on_configuration(params: types.DidChangeConfigurationParams) -> None:
        from rulescope.server.diagnostics import publish

        if server.apply_settings(params.settings):
            server.open_corpus()
            server.tell_missing_index()
            threading.Thread(target=warm_up, args=(server.corpus,), daemon=True).start()
        for uri in list(server.workspace.text_documents):
            publish(server, uri)


def create_server(index_path: Path | None = None) -> RulescopeServer:
    """A server with every feature registered."""
    from rulescope.server import aids, completion, hover, inlay_hints, sync

    server = RulescopeServer(index_path)
    register(server)
    sync.register(server)
    hover.register(server)
    completion.register(server)
    inlay_hints.register(server)
    aids.register(server)
    return server
