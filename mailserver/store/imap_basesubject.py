"""The base subject of RFC 5256 §2.1, the key SORT SUBJECT and THREAD group messages by.

Owns the extraction (trailers, "Re:"/"Fwd:" leaders, [blob] prefixes, "[fwd: ...]" wrappers) and the
i;ascii-casemap key it is compared with (RFC 4790 §9.2: ASCII letters upper-cased, other characters as they are).
Pure: never touches the database. The subject given is already decoded (RFC 2047) text.
"""

from __future__ import annotations

import re

_WSP_RUNS = re.compile(r"[ \t\r\n]+")
_BLOB = r"\[[^\[\]]*\][ \t]*"  # subj-blob = "[" *BLOBCHAR "]" *WSP
# subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":", preceded by *subj-blob
_LEADER = re.compile(rf"(?:{_BLOB})*(?:re|fwd?)[ \t]*(?:{_BLOB})?:", re.IGNORECASE)
_BLOB_PREFIX = re.compile(_BLOB)
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def ascii_casemap(text: str) -> str:
    """The i;ascii-casemap comparison key (RFC 4790 §9.2)."""
    return text.translate(_ASCII_UPPER)


def base_subject(subject: str) -> tuple[str, bool]:
    """(base subject, whether the subject marks a reply or forward) per RFC 5256 §2.1."""
    text = _WSP_RUNS.sub(" ", subject)  # step 1: unfold, blanks to one space
    reply = False
    while True:
        text, trailer = _strip_trailers(text)  # step 2
        reply = reply or trailer
        text, leader = _strip_leaders(text)  # steps 3 to 5
        reply = reply or leader
        if text[:5].lower() == "[fwd:" and text.endswith("]"):  # step 6
            text, reply = text[5:-1], True
            continue
        return text, reply


def _strip_trailers(text: str) -> tuple[str, bool]:
    removed = False
    while True:
        if text.endswith((" ", "\t")):
            text = text.rstrip(" \t")
        elif text[-5:].lower() == "(fwd)":  # subj-trailer = "(fwd)" / WSP
            text, removed = text[:-5], True
        else:
            return text, removed


def _strip_leaders(text: str) -> tuple[str, bool]:
    removed = False
    while True:
        if text.startswith((" ", "\t")):  # subj-leader = (*subj-blob subj-refwd) / WSP
            text = text.lstrip(" \t")
            continue
        leader = _LEADER.match(text)
        if leader is not None:
            text, removed = text[leader.end() :], True
            continue
        blob = _BLOB_PREFIX.match(text)  # step 4: a blob prefix goes if a non-empty base remains
        if blob is not None and text[blob.end() :].strip(" \t"):
            text = text[blob.end() :]
            continue
        return text, removed
