"""Hypothesis strategies: real Sigma rules from the corpus, mutated.

A rule is picked from the corpus and changed one to four times: lines
deleted, swapped or duplicated, text inserted (YAML punctuation, anchors and
aliases, tabs, BOMs, NULs, lone surrogates, any Unicode), the text
truncated, a line's indentation changed, a character replaced.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from hypothesis import strategies as st

#: Fragments that YAML and Sigma give meaning to, and bytes editors see.
YAML_BITS = (
    ": ",
    "- ",
    "-",
    ":",
    "|",
    ">",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "#",
    "&a ",
    "*a",
    "!!",
    "!!python/object:os.system",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "? ",
    "\t",
    "\ufeff",
    "\x00",
    "\r",
    "\r\n",
    "\u2028",
    "\udc80",
    "\\",
    "|re",
    "|contains|all",
    "|",
    "*",
    "?",
    "1 of ",
    "all of them",
    "not ",
    " and ",
    " or ",
    "(",
    ")",
    "selection",
    "condition",
    "detection:\n",
    "title: x\n",
    "logsource:\n  product: windows\n",
    "tags:\n  - attack.t1059.001\n",
    "  " * 40,
    "[" * 50,
    "{a: " * 40,
    "\U0001f600",
    "é",
    "\u200b",
)


def corpus_root() -> Path:
    """The corpus folder: ``RULESCOPE_CORPUS``, else ``../shared/corpus``."""
    default = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return Path(os.environ.get("RULESCOPE_CORPUS", default)).resolve()


@functools.cache
def sigma_rule_paths() -> tuple[Path, ...]:
    """Every Sigma rule file of the corpus, sorted."""
    root = corpus_root() / "sigma"
    return tuple(sorted(root.rglob("*.yml")))


@functools.lru_cache(maxsize=4096)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


fragments = st.one_of(
    st.sampled_from(YAML_BITS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=10),
)


@st.composite
def _mutation(draw: st.DrawFn, text: str) -> str:
    # Positions uniform over the text (Hypothesis's integers favour the ends).
    chooser = draw(st.randoms(use_true_random=True))
    lines = text.split("\n")
    kind = chooser.randrange(8)
    at = chooser.randrange(len(lines))
    position = chooser.randrange(len(text) + 1)
    if kind == 0:  # delete lines
        return "\n".join(lines[:at] + lines[at + chooser.randint(1, 5) :])
    if kind == 1:  # insert text at a character position
        return text[:position] + draw(fragments) + text[position:]
    if kind == 2:  # truncate
        return text[:position]
    if kind == 3:  # change a line's indentation
        delta = chooser.randint(-4, 4)
        line = lines[at]
        lines[at] = line[-delta:] if delta < 0 else " " * delta + line
        return "\n".join(lines)
    if kind == 4:  # duplicate a line
        return "\n".join(lines[: at + 1] + lines[at:])
    if kind == 5:  # swap two lines
        other = chooser.randrange(len(lines))
        lines[at], lines[other] = lines[other], lines[at]
        return "\n".join(lines)
    if kind == 6:  # replace one character
        return text[:position] + draw(st.characters()) + text[position + 1 :]
    # insert a whole line of YAML-ish text
    lines.insert(at, draw(fragments) + draw(fragments))
    return "\n".join(lines)


@st.composite
def mutated_rules(draw: st.DrawFn) -> tuple[str, str]:
    """(corpus-relative path, mutated text) of a real Sigma rule."""
    paths = sigma_rule_paths()
    path = paths[draw(st.randoms(use_true_random=True)).randrange(len(paths))]
    text = _read(path)
    for _ in range(draw(st.integers(1, 3))):
        text = draw(_mutation(text))
    return str(path.relative_to(corpus_root())), text
