"""The Received trace field (RFC 5321 §4.4) and its resistance to header injection through HELO."""

from __future__ import annotations

from datetime import UTC, datetime

from mailserver.message import received_header
from mailserver.message.rawheaders import iter_fields

WHEN = datetime(2025, 1, 13, 8, 30, 0, tzinfo=UTC)


def test_received_header_has_every_clause_in_rfc5321_order() -> None:
    line = received_header(
        "mx.hop.fr", "192.0.2.10", "mx.caducee.test", "ESMTPS", "4f9a2c", "dr@cab.mssante.fr",
        "TLSv1.3 TLS_AES_256_GCM_SHA384", WHEN,
    )  # fmt: skip
    assert line == (
        b"Received: from mx.hop.fr ([192.0.2.10])\r\n"
        b"\tby mx.caducee.test with ESMTPS (TLSv1.3 TLS_AES_256_GCM_SHA384) id 4f9a2c\r\n"
        b"\tfor <dr@cab.mssante.fr>;\r\n"
        b"\tMon, 13 Jan 2025 08:30:00 +0000\r\n"
    )


def test_optional_clauses_are_left_out_and_ipv6_uses_the_tagged_literal() -> None:
    line = received_header("client", "2001:db8::1", "mx.caducee.test", "ESMTP", None, None, None, WHEN)
    assert line.startswith(b"Received: from client ([IPv6:2001:db8::1])\r\n\tby mx.caducee.test with ESMTP;")


def test_hostile_helo_cannot_inject_a_header_field() -> None:
    line = received_header(
        "evil\r\nX-Injected: yes", "192.0.2.1", "mx", "ESMTP", "i(d)", "a@b>\r\nBcc: c@d", "x)\r\n(y", WHEN
    )
    fields = iter_fields(line + b"\r\n")
    assert [f.name for f in fields] == [b"Received"]
    assert b"\r\nX-Injected" not in line and b"\r\nBcc" not in line
