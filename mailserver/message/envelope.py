"""The IMAP ENVELOPE of a message, as wire bytes (RFC 3501 §7.4.2, RFC 9051 §7.5.2).

Owns building `(date subject from sender reply-to to cc bcc in-reply-to message-id)` from the raw header: values
unfolded but otherwise as written (RFC 2047 words stay encoded, as the RFC says), address lists with group
syntax, strings quoted or sent as literals as their bytes require. Never decodes, never raises.
"""

from __future__ import annotations

from mailserver.message.addresses import Address, Group, parse_address_entries
from mailserver.message.imapsyntax import NIL, nstring, paren_list
from mailserver.message.rawheaders import first_values

ENVELOPE_FIELDS = frozenset(
    (b"date", b"subject", b"from", b"sender", b"reply-to", b"to", b"cc", b"bcc", b"in-reply-to", b"message-id")
)
# RFC 3501 §7.4.2 gives no form for an address without a domain (a NIL host means a group); as Dovecot does:
MISSING_DOMAIN = b"MISSING_DOMAIN"
MISSING_MAILBOX = b"MISSING_MAILBOX"
# Address list octets parsed for the envelope; as Postfix's header_size_limit, past 100 KB a field is not read.
MAX_ADDRESS_LIST_OCTETS = 100_000


def envelope(raw: bytes, start: int = 0, end: int | None = None) -> bytes:
    """ENVELOPE of the message whose header begins at `raw[start]` (a whole message, or an encapsulated one)."""
    values = first_values(raw, ENVELOPE_FIELDS, start, end)
    sender_from = _addresses(values.get(b"from"))
    # RFC 3501 §7.4.2: absent or empty Sender and Reply-To take the value of From
    sender = _addresses(values.get(b"sender")) or sender_from
    reply_to = _addresses(values.get(b"reply-to")) or sender_from
    items = [
        nstring(values.get(b"date")),
        nstring(values.get(b"subject")),
        sender_from or NIL,
        sender or NIL,
        reply_to or NIL,
        _addresses(values.get(b"to")) or NIL,
        _addresses(values.get(b"cc")) or NIL,
        _addresses(values.get(b"bcc")) or NIL,
        nstring(values.get(b"in-reply-to")),
        nstring(values.get(b"message-id")),
    ]
    return paren_list(items)


def _addresses(value: bytes | None) -> bytes:
    """An address list, or b"" when the field is absent or holds no address (the caller decides NIL)."""
    if value is None:
        return b""
    out: list[bytes] = []
    for entry in parse_address_entries(value[:MAX_ADDRESS_LIST_OCTETS].decode("latin-1")):
        if isinstance(entry, Group):
            out.append(paren_list((NIL, NIL, nstring(_wire(entry.name)), NIL)))  # group start: NIL host
            out.extend(_address(member) for member in entry.members)
            out.append(b"(NIL NIL NIL NIL)")  # group end
        else:
            out.append(_address(entry))
    return b"(" + b"".join(out) + b")" if out else b""


def _address(address: Address) -> bytes:
    return paren_list(
        (
            nstring(None if address.name is None else _wire(address.name)),
            nstring(None if address.route is None else _wire(address.route)),
            nstring(MISSING_MAILBOX if address.mailbox is None else _wire(address.mailbox)),
            nstring(MISSING_DOMAIN if address.host is None else _wire(address.host)),
        )
    )


def _wire(text: str) -> bytes:
    return text.encode("latin-1", "replace")
