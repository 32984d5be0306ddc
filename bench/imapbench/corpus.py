"""The benchmark's mailbox: N distinct messages of about 4 KB, the same bytes for Caducée and for Dovecot.

Owns the message generator (deterministic: message n is always the same bytes), the words the searches look for
(`subject_token(n)` is in the Subject of message n only, `body_token(n)` in the body of message n only), the flags
and internal date of each message, and the Maildir file name Dovecot reads it from. Never writes anywhere itself.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

ADDRESS = "bench@bench.test"
TARGET_SIZE = 4096
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# French medical-sounding syllables, for words that the searches cannot find by accident.
_SYLLABLES = (  # noqa: SIM905
    "ra di o lo gie car dio pa tient ex a men bi lan thé pie ne pé ri to né al ca lin ma li gne hé pa ti que ré na "
    "le pul mo nai re ar té riel le vei neu se co lo scop ie ul tra son gra phie ana ly se sé rum"
).split()
_RNG = random.Random(2026)
VOCABULARY = sorted({"".join(_RNG.choice(_SYLLABLES) for _ in range(_RNG.randint(2, 4))) for _ in range(3000)})


def subject_token(n: int) -> str:
    return f"ref{n:06d}"


def body_token(n: int) -> str:
    return f"marqueur{n}x"


def flags(n: int) -> str:
    """Three messages in four are \\Seen, one in fifty \\Flagged (store form: sorted, space-separated)."""
    out = []
    if n % 50 == 0:
        out.append("\\Flagged")
    if n % 4:
        out.append("\\Seen")
    return " ".join(out)


def maildir_flags(n: int) -> str:
    return "".join(letter for letter, flag in (("F", "\\Flagged"), ("S", "\\Seen")) if flag in flags(n))


def internal_date(n: int) -> datetime:
    return EPOCH + timedelta(minutes=n)


def message(n: int) -> bytes:
    """Message n (0-based): headers, then plain text lines up to about 4 KB, with its body token in the middle."""
    rng = random.Random(n)
    words = rng.choices(VOCABULARY, k=700)
    date = internal_date(n).strftime("%a, %d %b %Y %H:%M:%S +0000")
    header = (
        f"From: Dr {words[0].title()} {words[1].title()} <dr{n % 997}@hopital.example.test>\r\n"
        f"To: Bench <{ADDRESS}>\r\n"
        f"Subject: Compte rendu {words[2]} {words[3]} {subject_token(n)}\r\n"
        f"Date: {date}\r\n"
        f"Message-ID: <bench{n}@hopital.example.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode()
    lines: list[str] = []
    line: list[str] = []
    size = len(header)
    for i, word in enumerate(words[4:]):
        if i == 200:
            word = body_token(n)
        line.append(word)
        if sum(len(w) + 1 for w in line) > 70:
            text = " ".join(line)
            lines.append(text)
            size += len(text.encode()) + 2
            line = []
            if size >= TARGET_SIZE - 80:
                break
    if line:
        lines.append(" ".join(line))
    return header + ("\r\n".join(lines) + "\r\n").encode()


def push_message(i: int) -> bytes:
    """The i-th message delivered while a session IDLEs: a corpus-like message from the bench user to itself
    (submission sends only from the authenticated address), never one already in the mailbox."""
    raw = message(10_000_000 + i)
    return f"From: Bench <{ADDRESS}>".encode() + raw[raw.index(b"\r\n") :]


def maildir_name(n: int, raw: bytes) -> str:
    """Dovecot's Maildir name: the time prefix orders new files (so UID n+1 is message n), S= and W= spare it a
    stat and a read for RFC822.SIZE, and the flags follow `:2,`."""
    stamp = int(internal_date(n).timestamp())
    virtual = len(raw)  # lines already end in CRLF
    return f"{stamp}.M{n:06d}P1.bench,S={len(raw)},W={virtual}:2,{maildir_flags(n)}"
