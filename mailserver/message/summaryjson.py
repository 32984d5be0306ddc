"""The JSON text form of a MessageSummary, as the store keeps it.

Owns `to_json` and `from_json`: IMAP wire bytes are carried as Latin-1 text (one character per byte, lossless),
dates as ISO 8601, the part map in its compact list form. `from_json` refuses anything that is not such a
document with UnreadableSummary, an IntegrityError. Never does I/O.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from mailserver.errors import IntegrityError
from mailserver.message.attachments import Attachment
from mailserver.message.partmap import map_from_jsonable, map_to_jsonable
from mailserver.message.summary import MessageSummary

FORMAT_VERSION = 1


class UnreadableSummary(IntegrityError):
    """Stored summary text that is not a summary this module wrote (corrupt or from an unknown version)."""


def to_json(summary: MessageSummary) -> str:
    """Compact JSON text of `summary`."""
    document: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "size": summary.size,
        "envelope": summary.envelope.decode("latin-1"),
        "bodystructure": summary.bodystructure.decode("latin-1"),
        "body": summary.body.decode("latin-1"),
        "layout": map_to_jsonable(summary.layout),
        "from": summary.from_,
        "to": summary.to,
        "cc": summary.cc,
        "bcc": summary.bcc,
        "subject": summary.subject,
        "date": None if summary.date is None else summary.date.isoformat(),
        "message_id": summary.message_id,
        "in_reply_to": summary.in_reply_to,
        "references": list(summary.references),
        "attachments": [
            [a.part, a.filename, a.content_type, a.size, a.disposition, a.content_id] for a in summary.attachments
        ],
    }
    return json.dumps(document, separators=(",", ":"))


def from_json(text: str) -> MessageSummary:
    """The summary `to_json` wrote; raises UnreadableSummary when `text` is not one."""
    try:
        doc = json.loads(text)
        if doc["v"] != FORMAT_VERSION:
            raise ValueError(f"unknown summary format {doc['v']!r}")
        return MessageSummary(
            size=_int(doc["size"]),
            envelope=_str(doc["envelope"]).encode("latin-1"),
            bodystructure=_str(doc["bodystructure"]).encode("latin-1"),
            body=_str(doc["body"]).encode("latin-1"),
            layout=map_from_jsonable(doc["layout"]),
            from_=_str(doc["from"]),
            to=_str(doc["to"]),
            cc=_str(doc["cc"]),
            bcc=_str(doc["bcc"]),
            subject=_str(doc["subject"]),
            date=None if doc["date"] is None else datetime.fromisoformat(_str(doc["date"])),
            message_id=_opt(doc["message_id"]),
            in_reply_to=_opt(doc["in_reply_to"]),
            references=tuple(_str(r) for r in doc["references"]),
            attachments=tuple(
                Attachment(_str(p), _opt(f), _str(c), _int(s), _opt(d), _opt(i))
                for p, f, c, s, d, i in doc["attachments"]
            ),
        )
    except (KeyError, TypeError, ValueError, UnicodeError, RecursionError) as exc:
        raise UnreadableSummary("stored message summary is unreadable", f"message summary JSON: {exc}") from exc


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _opt(value: Any) -> str | None:
    return None if value is None else _str(value)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value
