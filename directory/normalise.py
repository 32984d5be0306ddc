"""Folding of names and labels into the ASCII, lower-case search form.

Owns the one definition of "the same name" for search: accents and case are folded ("Hélène" → "helene"),
every non-alphanumeric run separates words ("Marie-Hélène" → "marie helene"), and the saint abbreviations are
indexed under both forms ("St-Jean" and "Saint-Jean" both give "st", "saint" and "jean"). Pure functions only:
it never touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d"}
)
_HAS_LIGATURE = re.compile("[" + "".join(chr(c) for c in _LIGATURES) + "]")
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Both spellings are indexed so that either query finds either form.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "st": ("saint",),
    "saint": ("st",),
    "ste": ("sainte",),
    "sainte": ("ste",),
}


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """`text` in lower-case ASCII, words separated by one space ("Marie-Hélène  D'Œuf" → "marie helene d oeuf")."""
    if text.isascii():
        return _NON_WORD.sub(" ", text.lower()).strip()
    if _HAS_LIGATURE.search(text):  # str.translate looks every character up in a dict: only when needed
        text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    # Combining accents (and any letter with no ASCII base) drop out; they would separate words anyway.
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_WORD.sub(" ", ascii_only).strip()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    folded = fold(text)
    return folded.split(" ") if folded else []


def index_tokens(*names: str) -> set[str]:
    """Every token under which an entry named `names` is found by a prefix search.

    Each word, its saint synonym, and the whole name run together ("Le Goff" → "le", "goff", "legoff";
    "D'Artagnan" → "d", "artagnan", "dartagnan") so that people who type names without separators find them.
    """
    tokens: set[str] = set()
    for name in names:
        tokens |= _name_tokens(name)
    return tokens


@lru_cache(maxsize=1 << 16)
def _name_tokens(name: str) -> frozenset[str]:
    tokens: set[str] = set()
    parts = words(name)
    for part in parts:
        tokens.add(part)
        tokens.update(_SYNONYMS.get(part, ()))
    if len(parts) > 1:
        tokens.add("".join(parts))
    return frozenset(tokens)


def query_tokens(text: str) -> list[str]:
    """The prefixes a query asks for: its folded words, longest first, without repeats."""
    return sorted(set(words(text)), key=lambda w: (-len(w), w))


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix` (ASCII tokens, binary/C collation)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@lru_cache(maxsize=1 << 16)
def sort_key(family: str, given: str) -> str:
    """The ranking key of an entry inside one matching token: folded family name, then given name."""
    return f"{fold(family)} {fold(given)}".strip()[:200]
