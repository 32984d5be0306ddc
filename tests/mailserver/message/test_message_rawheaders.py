"""Byte-exact header access: BODY[HEADER.FIELDS] keeps name case and folding (RFC 3501 §6.4.5)."""

from __future__ import annotations

from mailserver.message import header_fields, split_message
from mailserver.message.rawheaders import iter_fields, unfold

FOLDED = (
    b"Received: from mx.example.fr\r\n\tby mx.caducee.test; Mon, 13 Jan 2025 09:30:00 +0100\r\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; d=hop.fr;\r\n  h=from:to:subject; bh=abc=;\r\n  b=xyz\r\n"
    b"fRoM: Dr A <a@hop.fr>\r\n"
    b"X-MSS-CODECDA: 11488-4\r\n"
    b"SUBJECT: =?utf-8?q?R=C3=A9sultat?=\r\n"
    b"  suite\r\n"
    b"To: b@cab.fr\r\n"
    b"\r\n"
    b"Body line\r\n"
)


def test_header_fields_keep_original_name_case_and_folding() -> None:
    assert header_fields(FOLDED, [b"From", b"Subject", b"dkim-signature"]) == (
        b"DKIM-Signature: v=1; a=rsa-sha256; d=hop.fr;\r\n  h=from:to:subject; bh=abc=;\r\n  b=xyz\r\n"
        b"fRoM: Dr A <a@hop.fr>\r\n"
        b"SUBJECT: =?utf-8?q?R=C3=A9sultat?=\r\n  suite\r\n"
        b"\r\n"
    )


def test_header_fields_not_returns_every_other_field_in_order() -> None:
    assert header_fields(FOLDED, ["received", "DKIM-SIGNATURE", "subject", "x-mss-codecda"], not_=True) == (
        b"fRoM: Dr A <a@hop.fr>\r\nTo: b@cab.fr\r\n\r\n"
    )


def test_header_fields_with_no_match_is_just_the_blank_line() -> None:
    assert header_fields(FOLDED, ["Cc"]) == b"\r\n"


def test_repeated_fields_are_all_returned() -> None:
    raw = b"Received: a\r\nX: 1\r\nreceived: b\r\n\r\n"
    assert header_fields(raw, ["RECEIVED"]) == b"Received: a\r\nreceived: b\r\n\r\n"


def test_raw_utf8_header_is_returned_untouched() -> None:
    raw = "Subject: Résumé été\r\nFrom: a@b\r\n\r\nx".encode()
    assert header_fields(raw, ["subject"]) == "Subject: Résumé été\r\n\r\n".encode()


def test_split_at_first_blank_line_and_tolerate_lf_only() -> None:
    assert split_message(FOLDED) == (FOLDED[: FOLDED.index(b"\r\n\r\n") + 4], b"Body line\r\n")
    assert split_message(b"A: 1\nB: 2\n\nbody\n\nmore") == (b"A: 1\nB: 2\n\n", b"body\n\nmore")
    assert split_message(b"A: 1\r\nB: 2") == (b"A: 1\r\nB: 2", b"")
    assert split_message(b"\r\nbody only") == (b"\r\n", b"body only")


def test_last_field_without_line_end_is_terminated_in_header_fields() -> None:
    assert header_fields(b"From: a@b\r\nSubject: x", ["subject"]) == b"Subject: x\r\n\r\n"


def test_fields_keep_offsets_and_unfold_removes_only_line_breaks() -> None:
    fields = iter_fields(FOLDED)
    assert [f.name for f in fields] == [
        b"Received", b"DKIM-Signature", b"fRoM", b"X-MSS-CODECDA", b"SUBJECT", b"To"
    ]  # fmt: skip
    subject = fields[4]
    assert FOLDED[subject.start : subject.end] == b"SUBJECT: =?utf-8?q?R=C3=A9sultat?=\r\n  suite\r\n"
    assert unfold(FOLDED[subject.value_start : subject.end]) == b"=?utf-8?q?R=C3=A9sultat?=  suite"


def test_line_without_colon_is_kept_by_not_and_never_selected() -> None:
    raw = b"From: a@b\r\ngarbage line\r\nTo: c@d\r\n\r\n"
    assert header_fields(raw, ["garbage line"]) == b"\r\n"
    assert header_fields(raw, ["from"], not_=True) == b"garbage line\r\nTo: c@d\r\n\r\n"
