"""ENVELOPE, BODYSTRUCTURE and BODY of typical messages, compared with the exact RFC 3501 §7.4.2 syntax.

Expectations were checked by hand against the RFC grammar and, once, against Dovecot 2.3.19 (Debian's
dovecot-imapd) on the same bytes: they are identical except where noted (nested message size).
"""

from __future__ import annotations

import pytest

from mailserver.message import body, bodystructure, envelope, parse_mime, summarise
from tests.mailserver.message import samples

MARTIN = b'(("Martin, Claire" NIL "dr.martin" "hopital-nord.mssante.fr"))'
LABO = b'(("Labo" NIL "labo" "bio.mssante.fr"))'
A_X = b'((NIL NIL "a" "x.fr"))'
B_Y = b'((NIL NIL "b" "y.fr"))'

ENVELOPES = {
    "plain": b'("Mon, 13 Jan 2025 09:30:00 +0100" "=?utf-8?q?Compte_rendu_d=27hospitalisation?=" '
    + MARTIN + b" " + MARTIN + b" " + MARTIN
    + b' (("Dr Bernard" NIL "bernard" "cabinet.mssante.fr")) ((NIL NIL "secretariat" "cabinet.mssante.fr")) NIL'
    b' "<a1@cabinet.mssante.fr>" "<20250113093000.1234@hopital-nord.mssante.fr>")',
    "mixed": b'("Tue, 14 Jan 2025 10:00:00 +0000" "Resultats" ' + LABO + b" " + LABO + b" " + LABO
    + b' ((NIL NIL "dr" "cab.mssante.fr")) NIL NIL NIL "<m2@bio.mssante.fr>")',
    "alternative": b'(NIL "alt" ' + A_X + b" " + A_X + b" " + A_X + b" " + B_Y + b" NIL NIL NIL NIL)",
    "no_content_type": b'(NIL "old" ' + A_X + b" " + A_X + b" " + A_X + b" " + B_Y + b" NIL NIL NIL NIL)",
    # raw UTF-8 cannot travel in an IMAP4rev1 quoted string: literals, counted in octets
    "utf8_headers": b"(NIL {25}\r\nR\xc3\xa9sultat d'analyse \xc3\xa9t\xc3\xa9"
    + b" (({15}\r\nH\xc3\xa9l\xc3\xa8ne Dupr\xc3\xa9 NIL {8}\r\nh\xc3\xa9l\xc3\xa8ne {11}\r\nh\xc3\xb4pital.fr))" * 3
    + b' (({4}\r\nZo\xc3\xa9 NIL "zoe" "example.fr")) NIL NIL NIL NIL)',
}  # fmt: skip

NESTED_ENVELOPE = (
    b'("Wed, 15 Jan 2025 08:00:00 +0100" "original" ((NIL NIL "orig" "z.fr")) ((NIL NIL "orig" "z.fr"))'
    b' ((NIL NIL "orig" "z.fr")) ((NIL NIL "fwd" "x.fr")) NIL NIL NIL "<orig@z.fr>")'
)

BODYSTRUCTURES = {
    "plain": b'("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 42 2 NIL NIL NIL NIL)',
    "mixed": b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 24 0 NIL NIL NIL NIL)'
    b'("application" "pdf" ("name" "resultat.pdf") "<pdf1@bio>" "Compte rendu" "base64" 106 NIL'
    b' ("attachment" ("filename" "resultat.pdf")) NIL NIL)'
    b'("image" "png" NIL NIL NIL "base64" 12 NIL ("inline" NIL) NIL NIL)'
    b' "mixed" ("boundary" "==b1==") NIL NIL NIL)',
    "alternative": b'(("text" "plain" ("charset" "iso-8859-1") NIL NIL "quoted-printable" 22 0 NIL NIL NIL NIL)'
    b'("text" "html" ("charset" "utf-8") NIL NIL "7bit" 101 0 NIL NIL NIL NIL)'
    b' "alternative" ("boundary" "alt") NIL NIL NIL)',
    # Dovecot reports 356 octets / 17 lines for part 2: it counts the CRLF before `--outer--`, which RFC 2046
    # §5.1.1 attaches to the delimiter. We follow the RFC.
    "nested": b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL NIL NIL)'
    b'("message" "rfc822" NIL NIL NIL "7bit" 354 ' + NESTED_ENVELOPE
    + b' (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 0 NIL NIL NIL NIL)'
    b'("application" "octet-stream" NIL NIL NIL "7bit" 4 NIL ("attachment" ("filename" "data.bin")) NIL NIL)'
    b' "mixed" ("boundary" "inner") NIL NIL NIL) 16 NIL NIL NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)',
    # RFC 2231 continuations are joined into one extended parameter; values otherwise pass through
    "rfc2231": b'(("application" "pdf" ("name*" "utf-8\'\'compte%20rendu%20%C3%A9t%C3%A9.pdf") NIL NIL "base64" 4'
    b' NIL ("attachment" ("filename*" "utf-8\'\'compte%20rendu%20%C3%A9t%C3%A9.pdf")) NIL NIL)'
    b'("text" "plain" ("name" "=?utf-8?B?bm90ZSDDqXTDqS50eHQ=?=" "charset" "us-ascii") NIL NIL "7bit" 1 0 NIL'
    b' ("attachment" NIL) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)',
    "utf8_headers": b'("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 18 1 NIL NIL NIL NIL)',
    # RFC 2045 §5.2: no Content-Type means text/plain; charset=us-ascii, and 7bit
    "no_content_type": b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL)',
    "dsn": b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 36 0 NIL NIL NIL NIL)'
    b'("message" "delivery-status" NIL NIL NIL "7bit" 116 NIL NIL NIL NIL)'
    b'("text" "rfc822-headers" ("charset" "us-ascii") NIL NIL "7bit" 38 1 NIL NIL NIL NIL)'
    b' "report" ("report-type" "delivery-status" "boundary" "dsn1") NIL NIL NIL)',
}  # fmt: skip

BODIES = {
    "plain": b'("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 42 2)',
    "mixed": b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 24 0)'
    b'("application" "pdf" ("name" "resultat.pdf") "<pdf1@bio>" "Compte rendu" "base64" 106)'
    b'("image" "png" NIL NIL NIL "base64" 12) "mixed")',
    "nested": b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0)'
    b'("message" "rfc822" NIL NIL NIL "7bit" 354 ' + NESTED_ENVELOPE
    + b' (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 0)'
    b'("application" "octet-stream" NIL NIL NIL "7bit" 4) "mixed") 16) "mixed")',
    "dsn": b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 36 0)'
    b'("message" "delivery-status" NIL NIL NIL "7bit" 116)'
    b'("text" "rfc822-headers" ("charset" "us-ascii") NIL NIL "7bit" 38 1) "report")',
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_envelope_matches_rfc3501_syntax(name: str) -> None:
    assert envelope(samples.ALL[name]) == ENVELOPES[name]


@pytest.mark.parametrize("name", sorted(BODYSTRUCTURES))
def test_bodystructure_matches_rfc3501_syntax(name: str) -> None:
    raw = samples.ALL[name]
    assert bodystructure(raw, parse_mime(raw)) == BODYSTRUCTURES[name]


@pytest.mark.parametrize("name", sorted(BODIES))
def test_body_is_the_non_extensible_form(name: str) -> None:
    raw = samples.ALL[name]
    assert body(raw, parse_mime(raw)) == BODIES[name]


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_summary_carries_the_same_wire_syntax(name: str) -> None:
    raw = samples.ALL[name]
    summary = summarise(raw)
    assert summary.envelope == envelope(raw)
    assert summary.bodystructure == bodystructure(raw, parse_mime(raw))
    assert summary.body == body(raw, parse_mime(raw))


def test_absent_sender_and_reply_to_take_the_value_of_from() -> None:
    raw = samples.crlf("From: a@x.fr\nSender:\nSubject: s\n\nx\n")
    assert (
        envelope(raw)
        == b'(NIL "s" ((NIL NIL "a" "x.fr")) ((NIL NIL "a" "x.fr")) ((NIL NIL "a" "x.fr")) NIL NIL NIL NIL NIL)'
    )


def test_message_without_from_has_nil_originators() -> None:
    assert envelope(samples.crlf("Subject: in\n\nx\n")) == b'(NIL "in" NIL NIL NIL NIL NIL NIL NIL NIL)'


def test_empty_subject_is_an_empty_string_and_absent_date_is_nil() -> None:
    assert envelope(samples.crlf("Subject:\n\nx\n")).startswith(b'(NIL "" NIL')


def test_groups_and_addresses_without_domain_use_the_group_syntax() -> None:
    raw = samples.crlf(
        'From: root, <postmaster>\nTo: undisclosed-recipients:;\nCc: Equipe: a@b.fr, "c d"@e.fr;, x@[192.0.2.1]\n\n'
    )
    assert envelope(raw) == (
        b'(NIL NIL ((NIL NIL "root" "MISSING_DOMAIN")(NIL NIL "postmaster" "MISSING_DOMAIN"))'
        b' ((NIL NIL "root" "MISSING_DOMAIN")(NIL NIL "postmaster" "MISSING_DOMAIN"))'
        b' ((NIL NIL "root" "MISSING_DOMAIN")(NIL NIL "postmaster" "MISSING_DOMAIN"))'
        b' ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))'
        b' ((NIL NIL "Equipe" NIL)(NIL NIL "a" "b.fr")(NIL NIL "c d" "e.fr")(NIL NIL NIL NIL)'
        b'(NIL NIL "x" "[192.0.2.1]")) NIL NIL NIL)'
    )


def test_folded_subject_is_unfolded_and_quotes_are_escaped() -> None:
    raw = b'Subject: a "quoted"\r\n  \\ word\r\n\r\n'
    assert envelope(raw) == b'(NIL "a \\"quoted\\"  \\\\ word" NIL NIL NIL NIL NIL NIL NIL NIL)'


def test_message_rfc822_part_in_base64_is_still_described_as_a_message() -> None:
    raw = samples.crlf("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogaGkKCmJvZHkK\n")
    assert bodystructure(raw, parse_mime(raw)) == (
        b'("message" "rfc822" NIL NIL NIL "base64" 26 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)'
        b' ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)'
    )


def test_multipart_without_any_delimiter_reports_one_empty_part() -> None:
    raw = samples.crlf("Content-Type: multipart/mixed; boundary=q\nContent-Language: fr\n\nno delimiter\n")
    assert bodystructure(raw, parse_mime(raw)) == (
        b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)'
        b' "mixed" ("boundary" "q") NIL ("fr") NIL)'
    )


def test_eight_bit_parameter_value_is_sent_as_a_literal() -> None:
    raw = b'Content-Type: application/pdf; name="\xc3\xa9t\xc3\xa9.pdf"\r\n\r\nabc\r\n'
    assert bodystructure(raw, parse_mime(raw)) == (
        b'("application" "pdf" ("name" {9}\r\n\xc3\xa9t\xc3\xa9.pdf) NIL NIL "7bit" 5 NIL NIL NIL NIL)'
    )
