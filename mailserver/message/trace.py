"""Trace header fields: the Received line an SMTP server prepends (RFC 5321 §4.4, RFC 5322 §3.6.7).

Owns formatting `Received: from ... by ... with ... id ... for ...; date-time` with TLS details in a comment, and
neutralising what the peer chose (its HELO name, its addresses) so that it can never inject a line or a field.
Never does DNS or I/O: the caller passes what it knows.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import UTC, datetime
from email.utils import format_datetime

_UNSAFE_NAME = re.compile(r"[^\w.\-:\[\]]", re.UNICODE)  # keeps domains, address literals, IDNs
_UNSAFE_COMMENT = re.compile(r"[()\\\x00-\x1f\x7f]")
_UNSAFE_PATH = re.compile(r"[<>\s\x00-\x1f\x7f]")
_FOLD = "\r\n\t"  # RFC 5322 §2.2.3: folding before a clause keeps lines short


def received_header(
    from_host: str,
    from_ip: str | None,
    by_host: str,
    with_protocol: str,
    id: str | None,  # the RFC 5321 clause is called ID
    for_addr: str | None,
    tls_info: str | None,
    when: datetime,
) -> bytes:
    """A complete `Received:` field ending in CRLF, UTF-8 encoded (names may be IDNs under SMTPUTF8).

    `from_host` is the name the client gave in HELO/EHLO, `with_protocol` the RFC 3848 keyword (ESMTP, ESMTPS,
    ESMTPSA, LMTP, UTF8SMTPS...), `id` the queue or trace id, `for_addr` the single recipient (omit it when
    there are several: it would disclose the others' addresses), `tls_info` e.g. `TLSv1.3 TLS_AES_256_GCM_SHA384`,
    `when` the time of receipt (naive means UTC).
    """
    # RFC 5321 §4.4: From-domain = "FROM" FWS Extended-Domain; Extended-Domain = Domain FWS "(" TCP-info ")"
    line = f"Received: from {_name(from_host)}"
    if from_ip:
        line += f" ({_address_literal(from_ip)})"
    line += f"{_FOLD}by {_name(by_host)}"  # RFC 5321 §4.4 By-domain
    line += f" with {_name(with_protocol)}"  # RFC 5321 §4.4 With = "WITH" FWS Protocol
    if tls_info:
        line += f" ({_comment(tls_info)})"
    if id:
        line += f" id {_name(id)}"  # RFC 5321 §4.4 ID = "ID" FWS ( Atom / msg-id )
    if for_addr:
        line += f"{_FOLD}for <{_UNSAFE_PATH.sub('', for_addr.strip().strip('<>'))}>"
    stamp = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    line += f";{_FOLD}{_date_time(stamp.replace(microsecond=0))}\r\n"  # RFC 5322 §3.3 date-time
    return line.encode("utf-8")


# The pieces below repeat from message to message (a session's HELO name, address and TLS, the current second):
# formatting them again cost 5 % of the event loop's time at 4 KB. The caches are bounded (peers choose names).
@functools.lru_cache(maxsize=1024)
def _name(text: str) -> str:
    return _UNSAFE_NAME.sub("_", text.strip()) or "unknown"


@functools.lru_cache(maxsize=64)
def _comment(text: str) -> str:
    return _UNSAFE_COMMENT.sub(" ", text).strip()


@functools.lru_cache(maxsize=16)
def _date_time(stamp: datetime) -> str:
    return format_datetime(stamp)


@functools.lru_cache(maxsize=1024)
def _address_literal(ip: str) -> str:
    """RFC 5321 §4.1.3 address-literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]`."""
    try:
        address = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return f"[{_name(ip)}]"
    if address.version == 6:
        return f"[IPv6:{address.compressed}]"
    return f"[{address}]"
