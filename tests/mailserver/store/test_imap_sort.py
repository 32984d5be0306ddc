"""SORT order (RFC 5256 §3), THREAD input rows, and the base subject of RFC 5256 §2.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailserver.store import Store
from mailserver.store.imap_basesubject import base_subject
from mailserver.store.imap_criteria import All, HasFlag, SortBy, SortKey
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imapview import ImapView
from tests.mailserver.store.imap_corpus import mailbox, message_bytes, new_message


@pytest.mark.parametrize(
    ("subject", "base", "reply"),
    [
        ("Compte rendu", "Compte rendu", False),
        ("Re: Compte rendu", "Compte rendu", True),
        ("RE:re: Fwd:  Compte   rendu  ", "Compte rendu", True),
        ("Re[2]: Bilan", "Bilan", True),
        ("[SPAM] Re: Bilan", "Bilan", True),
        ("[SPAM] Bilan", "Bilan", False),
        ("[SPAM]", "[SPAM]", False),
        ("Bilan (fwd)", "Bilan", True),
        ("[fwd: Re: Bilan]", "Bilan", True),
        ("Fw: [fwd: Bilan (fwd)]", "Bilan", True),
        ("Réponse: bilan", "Réponse: bilan", False),
        ("", "", False),
    ],
)
def test_base_subject_follows_rfc_5256(subject: str, base: str, reply: bool) -> None:
    assert base_subject(subject) == (base, reply)


@pytest.fixture
async def sorted_box(store: Store) -> tuple[ImapView, int]:
    view = ImapView(store)
    box = await mailbox(store)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    specs = [  # (subject, from, to, date header, arrival offset in minutes, extra body)
        ("Re: bilan", "zoe@x.test", "b@x.test", "Wed, 01 Jan 2025 10:00:00 +0000", 5, ""),
        ("Agenda", "Alice <alice@x.test>", "a@x.test", "Wed, 01 Jan 2025 09:00:00 -0500", 1, "long " * 50),
        ("bilan", "_under@x.test", "c@x.test", None, 3, "mid " * 30),
        ("[fwd: Agenda]", "Bob <bob@x.test>", "a@x.test", "Wed, 01 Jan 2025 08:00:00 +0000", 2, ""),
    ]
    for n, (subject, sender, to, date, minutes, body) in enumerate(specs, 1):
        raw = message_bytes(n, subject=subject, sender=sender, to=to, date=date, body=f"Texte {n} {body}\n")
        await store.mail.deliver(new_message(raw, t0 + timedelta(minutes=minutes)), [box.id])
    return view, (await view.directory.folder(box.id, "INBOX")).id


async def test_sort_by_each_key(sorted_box: tuple[ImapView, int]) -> None:
    view, inbox = sorted_box

    async def order(*keys: SortKey) -> list[int]:
        return await view.search.sort(inbox, keys, All())

    assert await order(SortKey(SortBy.ARRIVAL)) == [2, 4, 3, 1]
    # DATE: the Date header in UTC (2 is 14:00Z); 3 has none and uses its arrival (00:03Z)
    assert await order(SortKey(SortBy.DATE)) == [3, 4, 1, 2]
    assert await order(SortKey(SortBy.DATE, reverse=True)) == [2, 1, 4, 3]
    assert await order(SortKey(SortBy.SIZE)) == [1, 4, 3, 2]
    # SUBJECT: base subjects AGENDA, AGENDA, BILAN, BILAN; ties by UID
    assert await order(SortKey(SortBy.SUBJECT)) == [2, 4, 1, 3]
    # FROM: addr-mailbox upper-cased: ALICE, BOB, ZOE, _UNDER ("_" sorts after letters in i;ascii-casemap)
    assert await order(SortKey(SortBy.FROM)) == [2, 4, 1, 3]
    assert await order(SortKey(SortBy.TO), SortKey(SortBy.ARRIVAL, reverse=True)) == [4, 2, 1, 3]
    assert await order(SortKey(SortBy.CC), SortKey(SortBy.SUBJECT, reverse=True)) == [1, 3, 2, 4]


async def test_sort_applies_the_search_criteria(sorted_box: tuple[ImapView, int]) -> None:
    view, inbox = sorted_box
    await view.flags.store(inbox, [(1, 2)], FlagOperation.ADD, ["\\Seen"])
    assert await view.search.sort(inbox, [SortKey(SortBy.ARRIVAL)], HasFlag("\\Seen", False)) == [4, 3]


async def test_thread_rows_carry_ids_references_and_base_subjects(store: Store) -> None:
    view = ImapView(store)
    box = await mailbox(store)
    first = message_bytes(1, subject="Bilan", date="Wed, 01 Jan 2025 10:00:00 +0100")
    reply = message_bytes(
        2,
        subject="Re: Bilan",
        date=None,
        extra="In-Reply-To: <m1@hopital.example.test> (de Claire)\nReferences: <m0@x.test>\n <m1@hopital.example.test>",
    )
    arrival = datetime(2025, 1, 2, tzinfo=UTC)
    for raw in (first, reply):
        await store.mail.deliver(new_message(raw, arrival), [box.id])
    inbox = (await view.directory.folder(box.id, "INBOX")).id
    one, two = await view.search.thread_rows(inbox, All())
    assert (one.message_id, one.in_reply_to, one.references) == ("<m1@hopital.example.test>", None, ())
    assert (one.base_subject, one.subject_is_reply) == ("BILAN", False)
    assert one.sent_at == datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    assert two.in_reply_to == "<m1@hopital.example.test>"
    assert two.references == ("<m0@x.test>", "<m1@hopital.example.test>")
    assert (two.base_subject, two.subject_is_reply, two.sent_at) == ("BILAN", True, arrival)
