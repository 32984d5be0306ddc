"""The attachment list of a message, as webmail and the dossier integration show it.

Owns deciding which parts are attachments (disposition attachment, a file name, or content that is not text)
and describing them: IMAP part path, file name decoded from RFC 2231 / RFC 2047, media type, decoded size.
Never decodes an attachment to list it (sizes come from offsets), never raises.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailserver.message.bodytext import decoded_size, is_attachment_disposition
from mailserver.message.contentfields import resolve_param
from mailserver.message.mime import MimePart


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment. `part` is the IMAP part path (`"2"`, `"1.3"`) to fetch it with BODY[part]."""

    part: str
    filename: str | None
    content_type: str  # lower case `type/subtype`
    size: int  # octets once the transfer encoding is undone
    disposition: str | None = None  # lower case `attachment` / `inline`, None when absent
    content_id: str | None = None


def list_attachments(raw: bytes, tree: MimePart) -> tuple[Attachment, ...]:
    """Every attachment of the message, in part order. Parts of attached messages are not listed."""
    found: list[Attachment] = []
    _walk(raw, tree, "", found)
    return tuple(found)


def filename_of(part: MimePart) -> str | None:
    """The file name: Content-Disposition filename (RFC 2183 §2.3), else the Content-Type name parameter."""
    name = None
    if part.disposition is not None:
        name = resolve_param(part.disposition[1], "filename")
    if not name:
        name = resolve_param(part.params, "name")
    if name:
        name = name.replace("\x00", "").strip()
    return name or None


def _walk(raw: bytes, part: MimePart, path: str, found: list[Attachment]) -> None:
    if part.children:
        for index, child in enumerate(part.children, start=1):
            _walk(raw, child, f"{path}.{index}" if path else str(index), found)
        return
    filename = filename_of(part)
    kind = part.media_type
    if not (is_attachment_disposition(part) or filename or not kind.startswith("text/")):
        return
    found.append(
        Attachment(
            part=path or "1",  # RFC 3501 §6.4.5: a non-multipart message has one part, number 1
            filename=filename,
            content_type=kind,
            size=decoded_size(raw, part),
            disposition=None if part.disposition is None else part.disposition[0].lower(),
            content_id=None if part.content_id is None else part.content_id.strip().strip("<>"),
        )
    )
