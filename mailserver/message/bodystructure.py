"""BODYSTRUCTURE and BODY of a message, as wire bytes (RFC 3501 §7.4.2, RFC 9051 §7.5.2).

Owns rendering a `MimePart` tree: types, parameters and header values as written (parameters are passed through,
RFC 2231 forms included, for the client to decode), defaults where the message has none (text/plain;
charset=us-ascii, 7bit), sizes in transfer encoding, line counts for text and message/rfc822 parts, and the
extension data (md5, disposition, language, location) for BODYSTRUCTURE. Two courtesies, as Dovecot does: a text
part without charset reports the RFC 2045 default us-ascii, and RFC 2231 continuations (`name*0*`, `name*1*`) are
joined into one `name*` (or `name`) parameter, which many clients cannot join. Never decodes a body, never raises.
"""

from __future__ import annotations

from mailserver.message.contentfields import Params, join_continuations, param
from mailserver.message.envelope import envelope
from mailserver.message.imapsyntax import NIL, nstring, paren_list
from mailserver.message.mime import MimePart


def bodystructure(raw: bytes, part: MimePart) -> bytes:
    """BODYSTRUCTURE: the structure with extension data."""
    return _body(raw, part, extensible=True)


def body(raw: bytes, part: MimePart) -> bytes:
    """BODY: the non-extensible form (RFC 3501 §7.4.2 BODY)."""
    return _body(raw, part, extensible=False)


def _body(raw: bytes, part: MimePart, *, extensible: bool) -> bytes:
    if part.children:
        # RFC 3501 §9 body-type-mpart: 1*body SP media-subtype [SP body-ext-mpart]
        items = [b"".join(_body(raw, child, extensible=extensible) for child in part.children), _s(part.subtype)]
        if extensible:
            items += [_params(part.params), *_dsp_lang_loc(part)]
        return paren_list(items)
    params = part.params
    if part.type.lower() == "text" and param(params, "charset") is None:
        params = (*params, ("charset", "us-ascii"))  # RFC 2045 §5.2 default charset
    items = [
        _s(part.type),
        _s(part.subtype),
        _params(params),
        _ns(part.content_id),
        _ns(part.description),
        _s(part.encoding or "7bit"),  # RFC 2045 §6.1: 7bit is the default
        b"%d" % part.size,
    ]
    if part.message is not None:
        # RFC 3501 §9 body-type-msg: envelope SP body SP body-fld-lines
        inner = part.message
        items += [
            envelope(raw, inner.header_start, inner.end),
            _body(raw, inner, extensible=extensible),
            b"%d" % part.lines,
        ]
    elif part.type.lower() == "text":
        items.append(b"%d" % part.lines)  # RFC 3501 §9 body-type-text: body-fld-lines
    if extensible:
        items += [_ns(part.md5), *_dsp_lang_loc(part)]  # RFC 3501 §9 body-ext-1part
    return paren_list(items)


def _dsp_lang_loc(part: MimePart) -> list[bytes]:
    if part.disposition is None:
        disposition = NIL
    else:
        disposition = paren_list((_s(part.disposition[0]), _params(part.disposition[1])))
    language = NIL if part.language is None else paren_list(_s(tag) for tag in part.language)
    return [disposition, language, _ns(part.location)]


def _params(params: Params) -> bytes:
    if not params:
        return NIL
    return paren_list(_s(text) for pair in join_continuations(params) for text in pair)


def _s(text: str) -> bytes:
    return nstring(text.encode("latin-1", "replace"))


def _ns(text: str | None) -> bytes:
    return NIL if text is None else _s(text)
