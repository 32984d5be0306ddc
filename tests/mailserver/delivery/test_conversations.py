"""Conversation facts read from headers: the ids a message references, its thread root, and the closing marks."""

from __future__ import annotations

import pytest

from mailserver.delivery.conversations import thread_headers


@pytest.mark.parametrize(
    ("header", "message_id", "referenced", "root", "closes"),
    [
        ("Message-ID: <a@x>\r\n", "<a@x>", (), "<a@x>", False),
        ("Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\n", "<b@x>", ("<a@x>",), "<a@x>", False),
        (
            "Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x>\r\n <b@x>\r\n",
            "<c@x>",
            ("<b@x>", "<a@x>"),
            "<a@x>",
            False,
        ),
        ("Message-ID: <d@x>\r\nSubject: [FIN]\r\n", "<d@x>", (), "<d@x>", True),
        ("Message-ID: <d@x>\r\nSubject: Re: [FIN] suite\r\n", "<d@x>", (), "<d@x>", False),
        ("Message-ID: <e@x>\r\nX-MSS-MES: fin\r\n", "<e@x>", (), "<e@x>", True),
        ("Subject: no id\r\n", None, (), None, False),
    ],
)
def test_thread_headers(
    header: str, message_id: str | None, referenced: tuple[str, ...], root: str | None, closes: bool
) -> None:
    facts = thread_headers((header + "\r\nbody\r\n").encode())
    assert (facts.message_id, facts.referenced, facts.root, facts.closes) == (message_id, referenced, root, closes)


def test_authors_are_from_and_reply_to_normalised() -> None:
    raw = b"From: Dr X <Dr.X@Example.TEST>\r\nReply-To: sec@example.test, Other <o@example.test>\r\n\r\n"
    assert thread_headers(raw).authors == {"dr.x@example.test", "sec@example.test", "o@example.test"}
