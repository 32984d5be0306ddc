"""MessageSummary: SEARCH fields, attachments, JSON round trip, and a real XDM message; the readable text the
store indexes after the commit (`readable_text`)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailserver.message import (
    Attachment,
    UnreadableSummary,
    from_json,
    readable_text,
    section_bytes,
    summarise,
    to_json,
)
from mailserver.message.bodytext import collapse_blanks
from tests.mailserver.message import samples

XDM_ZIP = Path(__file__).resolve().parents[4] / "shared" / "data" / "real" / "xdm" / "drimbox-KA202401-repacked.zip"


def test_search_fields_are_decoded_and_date_is_aware() -> None:
    summary = summarise(samples.PLAIN)
    assert summary.subject == "Compte rendu d'hospitalisation"
    assert summary.from_ == '"Martin, Claire" <dr.martin@hopital-nord.mssante.fr>'
    assert summary.to == "Dr Bernard <bernard@cabinet.mssante.fr>"
    assert summary.cc == "secretariat@cabinet.mssante.fr"
    assert summary.bcc == ""
    assert summary.date == datetime(2025, 1, 13, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert summary.message_id == "<20250113093000.1234@hopital-nord.mssante.fr>"
    assert summary.in_reply_to == "<a1@cabinet.mssante.fr>"
    assert summary.references == ("<a0@cabinet.mssante.fr>", "<a1@cabinet.mssante.fr>")
    assert summary.size == len(samples.PLAIN)


def test_raw_utf8_headers_become_text() -> None:
    summary = summarise(samples.UTF8_HEADERS)
    assert summary.subject == "Résultat d'analyse été"
    assert summary.from_ == "Hélène Dupré <hélène@hôpital.fr>"


def test_legacy_8bit_header_falls_back_to_windows_1252() -> None:
    assert summarise(b"Subject: R\xe9sum\xe9\r\n\r\n").subject == "Résumé"


def test_unparsable_or_zoneless_dates() -> None:
    assert summarise(b"Date: yesterday-ish\r\n\r\n").date is None
    assert summarise(b"Date: Mon, 13 Jan 2025 09:30:00 -0000\r\n\r\n").date == datetime(2025, 1, 13, 9, 30, tzinfo=UTC)


def test_text_prefers_plain_alternative_and_decodes_charsets() -> None:
    assert readable_text(samples.ALTERNATIVE) == "Résumé du séjour"
    assert readable_text(samples.PLAIN) == "Bonjour, le patient est sorti ce matin."


def test_html_only_message_is_stripped_to_text() -> None:
    raw = samples.crlf(
        "Content-Type: text/html; charset=utf-8\n\n"
        "<html><head><title>t</title><script>var x=1;</script></head>"
        "<body><p>Bonjour&nbsp;<b>docteur</b></p><!-- hidden --></body></html>\n"
    )
    assert readable_text(raw) == "Bonjour docteur"  # entities decoded, blanks (NBSP too) collapsed


def test_text_is_bounded_and_attachments_are_not_indexed() -> None:
    raw = samples.crlf("Content-Type: text/plain\n\n" + "mot " * 10_000 + "\n")
    assert len(readable_text(raw, 100)) == 100
    assert len(readable_text(raw)) == 40_000 - 1  # the default bound is larger: "mot mot ... mot"
    assert readable_text(samples.RFC2231) == ""


def test_nested_message_text_is_indexed() -> None:
    assert readable_text(samples.NESTED) == "See below. Original text."


def test_attachment_list_names_parts_types_and_decoded_sizes() -> None:
    assert summarise(samples.MIXED).attachments == (
        Attachment("2", "resultat.pdf", "application/pdf", 78, "attachment", "pdf1@bio"),
        Attachment("3", None, "image/png", 8, "inline", None),
    )


def test_attachment_names_decoded_from_rfc2231_and_rfc2047() -> None:
    names = [a.filename for a in summarise(samples.RFC2231).attachments]
    assert names == ["compte rendu été.pdf", "note été.txt"]


def test_forwarded_message_is_an_attachment_and_its_parts_are_not_listed() -> None:
    assert summarise(samples.NESTED).attachments == (Attachment("2", None, "message/rfc822", 354, None, None),)


def test_json_round_trip_keeps_everything() -> None:
    for raw in samples.ALL.values():
        summary = summarise(raw)
        assert from_json(to_json(summary)) == summary


def test_summaries_stored_with_a_body_text_still_read() -> None:
    """Summaries written before 2026-11-26 carry a "text" member; it is ignored."""
    summary = summarise(samples.PLAIN)
    doc = json.loads(to_json(summary))
    doc["text"] = "bonjour"
    assert from_json(json.dumps(doc)) == summary


@pytest.mark.parametrize("text", ["", "[]", '{"v": 99}', '{"v": 1}', "not json"])
def test_unreadable_summary_json_is_refused(text: str) -> None:
    with pytest.raises(UnreadableSummary):
        from_json(text)


def test_cda_xdm_message_lists_ihe_xdm_zip_with_its_size() -> None:
    archive = XDM_ZIP.read_bytes()
    message = EmailMessage(policy=SMTP)
    message["From"] = "Dr Martin <dr.martin@hopital-nord.mssante.fr>"
    message["To"] = "279035121518989@patient.mssante.fr"
    message["Subject"] = "XDM/1.0/DDM+Compte rendu DUPONT Jeanne 19790315"
    message["X-MSS-CODECDA"] = "11488-4"
    message["X-MSS-INS"] = "O"
    message.set_content("Veuillez trouver ci-joint le compte rendu.\n")
    message.add_attachment(archive, maintype="application", subtype="zip", filename="IHE_XDM.zip")
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="compte-rendu.pdf")
    raw = message.as_bytes()

    summary = summarise(raw)

    assert [(a.part, a.filename, a.content_type, a.size) for a in summary.attachments] == [
        ("2", "IHE_XDM.zip", "application/zip", len(archive)),
        ("3", "compte-rendu.pdf", "application/pdf", len(pdf)),
    ]
    assert len(archive) == 7936
    assert base64.b64decode(section_bytes(raw, summary.layout, "2")) == archive
    assert summary.subject.startswith("XDM/1.0/DDM+")
    assert b'"application" "zip" NIL NIL NIL "base64"' in summary.bodystructure


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "a",
        " a  b\r\n\tc ",
        "x\x1cy\x1fz",
        "nbsp\xa0here\u3000and\u2028there",
        "  \r\n  tail  \n",
        "é  ü\u200a ß",
    ],
)
def test_collapse_blanks_is_split_and_join(text: str) -> None:
    assert collapse_blanks(text) == " ".join(text.split())


# Words, the space, line breaks of every kind and the blanks that are not line breaks: both of its paths.
_BLANKY = "ab\u00e9\u2019  \t\r\n\x0b\x0c\x1c\x1f\x85\xa0\u2009\u2028\u3000"


@given(st.text(alphabet=st.sampled_from(_BLANKY), max_size=80))
def test_collapse_blanks_is_split_and_join_for_any_blanks(text: str) -> None:
    assert collapse_blanks(text) == " ".join(text.split())
