"""Conversation facts for the patient rules (DOMAIN.md §6): threads, `[FIN]`, and whether a patient replies.

Owns reading the thread headers of a message (Message-ID, In-Reply-To, References, Subject, X-MSS-MES, From,
Reply-To; RFC 5322 §3.6.4), the thread root (first id of References, else of In-Reply-To, else the message's
own id), the closing marks (a subject of exactly `[FIN]`, or `X-MSS-MES: FIN`), and the two store questions:
record what a patient received, and tell whether a patient's message replies to a recipient in an open
conversation. Never decides (policies.patient_sending does) and never reads message bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailserver.message.addresses import parse_address_list
from mailserver.message.encodedwords import header_text
from mailserver.message.rawheaders import first_values
from mailserver.store.conversations import PatientThreads

_MSG_ID = re.compile(r"<[^<>\s]{1,996}>")
_FIELDS = frozenset({b"message-id", b"in-reply-to", b"references", b"subject", b"x-mss-mes", b"from", b"reply-to"})
MAX_REFERENCES = 100  # long threads: the newest ids are enough


@dataclass(frozen=True)
class ThreadHeaders:
    message_id: str | None
    referenced: tuple[str, ...]  # In-Reply-To then References ids, newest last, bounded
    root: str | None
    closes: bool
    authors: frozenset[str]  # From and Reply-To addresses, normalised


def thread_headers(raw: bytes) -> ThreadHeaders:
    values = first_values(raw, _FIELDS)

    def ids(name: bytes) -> list[str]:
        return _MSG_ID.findall(header_text(values[name])) if name in values else []

    own = ids(b"message-id")
    in_reply_to = ids(b"in-reply-to")
    references = ids(b"references")
    chain = references or in_reply_to or own
    root = chain[0] if chain else None
    subject = header_text(values.get(b"subject", b"")).strip()
    mes = header_text(values.get(b"x-mss-mes", b"")).strip().upper()
    authors = {
        a.normalised
        for name in (b"from", b"reply-to")
        if name in values
        for a in parse_address_list(header_text(values[name]))
        if a.host
    }
    referenced = list(dict.fromkeys([*in_reply_to, *references]))[-MAX_REFERENCES:]
    return ThreadHeaders(
        own[0] if own else None,
        tuple(referenced),
        root,
        subject == "[FIN]" or mes == "FIN",  # DOMAIN.md §5, §6
        frozenset(authors),
    )


async def record_received(
    threads: PatientThreads, patient_id: int, headers: ThreadHeaders, envelope_sender: str
) -> None:
    """Remember that a patient received this message from these professional addresses."""
    if headers.message_id is None or headers.root is None:
        return
    correspondents = set(headers.authors)
    if envelope_sender:
        correspondents.add(envelope_sender)
    await threads.record(patient_id, headers.message_id, headers.root, correspondents, headers.closes)


async def reply_facts(
    threads: PatientThreads, patient_id: int, headers: ThreadHeaders, recipient: str
) -> tuple[bool, bool]:
    """(replies to `recipient`, that conversation is closed) for a message the patient sends."""
    found = await threads.received(patient_id, list(headers.referenced))
    mine = [m for m in found if recipient in m.correspondents]
    if not mine:
        return False, False
    closed = await threads.closed_roots(patient_id, sorted({m.thread_root for m in mine}))
    return True, bool(closed)
