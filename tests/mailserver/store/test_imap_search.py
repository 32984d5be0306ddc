"""SEARCH in the store equals a brute-force filter over the same messages, on both backends (hypothesis)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mailserver.store import Store
from mailserver.store.imap_criteria import (
    All,
    And,
    Criterion,
    DateIs,
    DateOf,
    DateTest,
    FieldContains,
    HasFlag,
    HeaderContains,
    ModSeqAtLeast,
    Not,
    Or,
    SizeIs,
    TextContains,
    TextField,
    UidIn,
)
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imapview import ImapView
from tests.mailserver.store.imap_corpus import mailbox, new_message

WORDS = [
    "Compte",
    "rendu",
    "hospitalisation",
    "Réunion",
    "échographie",
    "ÉTÉ",
    "Straße",
    "cardiologie",
    "bilan",
    "IRM",
    "Dupont",
    "urgent",
    "résultats",
    "100%",
    "a_b",
    'x"y',
    "œil",
]
PEOPLE = [
    ("Claire Martin", "claire.martin@hopital.example.test"),
    ("Élodie Durand", "elodie@cabinet.example.test"),
    ("", "labo@bio.example.test"),
    ("Service Cardiologie", "cardio@ch.example.test"),
]
FLAGS = ["\\Seen", "\\Flagged", "\\Answered", "\\Deleted", "$Label1", "NonJunk"]
ZONES = [timezone(timedelta(hours=h)) for h in (1, -8, 14, 0)]
COUNT = 40


@dataclass
class Truth:
    """What the oracle knows of one message, from how it was written."""

    uid: int
    flags: set[str]
    size: int
    internal: datetime
    sent_day: date | None
    fields: dict[TextField, str]
    headers: list[tuple[str, str]]
    body: str
    modseq: int = 0


def _person(rng: random.Random) -> str:
    name, address = rng.choice(PEOPLE)
    return f"{name} <{address}>" if name else address


def _message(rng: random.Random, n: int) -> tuple[bytes, Truth]:
    subject = " ".join(rng.sample(WORDS, 3)) + f" {n}"
    raw_subject = subject
    if rng.random() < 0.3:
        subject = "Réunion urgente"
        raw_subject = "=?utf-8?q?R=C3=A9union_urgente?="
    if rng.random() < 0.3:
        subject = raw_subject = "Re: " + subject if raw_subject == subject else subject
    sender, to = _person(rng), _person(rng)
    headers = [("From", sender), ("To", to)]
    if rng.random() < 0.5:
        headers.append(("Cc", _person(rng)))
    if rng.random() < 0.3:
        headers.append(("Bcc", _person(rng)))
    headers.append(("Subject", subject))
    sent_day = None
    if rng.random() < 0.85:
        zone = rng.choice(ZONES)
        local = datetime(2025, 1, 1, tzinfo=zone) + timedelta(days=rng.randrange(20), minutes=rng.randrange(1440))
        headers.append(("Date", local.strftime("%a, %d %b %Y %H:%M:%S %z")))
        sent_day = local.date()
    if rng.random() < 0.4:
        headers.append(("X-Dossier", f"{rng.choice(WORDS)} {rng.randrange(1000)}"))
    headers.append(("Message-ID", f"<s{n}@example.test>"))
    headers += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8")]
    headers.append(("Content-Transfer-Encoding", "8bit"))
    body_words = [rng.choice(WORDS) for _ in range(rng.randrange(3, 30))]
    body = "\n".join(" ".join(body_words[i : i + 5]) for i in range(0, len(body_words), 5)) + "\n"
    written = [(name, raw_subject if name == "Subject" else value) for name, value in headers]
    raw = ("\r\n".join(f"{k}: {v}" for k, v in written) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()
    value = dict(headers)
    truth = Truth(
        uid=n,
        flags={f.lower() for f in rng.sample(FLAGS, rng.randrange(4))},
        size=len(raw),
        internal=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(20), minutes=rng.randrange(1440)),
        sent_day=sent_day,
        fields={
            TextField.FROM: sender,
            TextField.TO: to,
            TextField.CC: value.get("Cc", ""),
            TextField.BCC: value.get("Bcc", ""),
            TextField.SUBJECT: subject,
        },
        headers=headers,
        body=" ".join(body.split()),
    )
    return raw, truth


@pytest.fixture
async def corpus(store: Store) -> tuple[ImapView, int, list[Truth]]:
    view = ImapView(store)
    box = await mailbox(store)
    rng = random.Random(20250113)
    truths = []
    store.mail.pause_indexing()  # SQLite: half the text indexed, half in the tail the indexer has not reached
    for n in range(1, COUNT + 1):
        if n == COUNT // 2:
            await store.mail.index_text()
        raw, truth = _message(rng, n)
        await store.mail.deliver(new_message(raw, truth.internal), [box.id])
        truths.append(truth)
    inbox = (await view.directory.folder(box.id, "INBOX")).id
    by_flags: dict[frozenset[str], list[int]] = {}
    for t in truths:
        by_flags.setdefault(frozenset(t.flags), []).append(t.uid)
    for flags, uids in by_flags.items():
        if flags:
            names = [f for f in FLAGS if f.lower() in flags]
            await view.flags.store(inbox, [(u, u) for u in uids], FlagOperation.ADD, names)
    snap = await view.messages.snapshot(inbox)
    for t, modseq in zip(truths, snap.modseqs, strict=True):
        t.modseq = modseq
    return view, inbox, truths


def _has(haystack: str, needle: str) -> bool:
    return needle.casefold() in haystack.casefold()


def expect(c: Criterion, t: Truth) -> bool:
    """The meaning of each criterion, written from RFC 3501 §6.4.4 over what was sent."""
    if isinstance(c, All):
        return True
    if isinstance(c, HasFlag):
        return (c.flag.lower() in t.flags) == c.present
    if isinstance(c, FieldContains):
        return _has(t.fields[c.field], c.value)
    if isinstance(c, HeaderContains):
        return any(n.lower() == c.name.lower() and _has(v, c.value) for n, v in t.headers)
    if isinstance(c, TextContains):
        in_body = _has(t.body, re.sub(r"\s+", " ", c.value))
        return in_body or (c.include_header and any(_has(f"{n}: {v}", c.value) for n, v in t.headers))
    if isinstance(c, DateIs):
        day = t.internal.date() if c.of is DateOf.INTERNAL else t.sent_day
        if day is None:
            return False
        return {DateTest.BEFORE: day < c.day, DateTest.ON: day == c.day, DateTest.SINCE: day >= c.day}[c.test]
    if isinstance(c, SizeIs):
        return t.size > c.octets if c.larger else t.size < c.octets
    if isinstance(c, UidIn):
        return any(min(a, b) <= t.uid <= max(a, b) for a, b in c.ranges)
    if isinstance(c, ModSeqAtLeast):
        return t.modseq >= c.modseq
    if isinstance(c, Not):
        return not expect(c.criterion, t)
    if isinstance(c, Or):
        return expect(c.left, t) or expect(c.right, t)
    assert isinstance(c, And)
    return all(expect(x, t) for x in c.criteria)


@st.composite
def needles(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from([*WORDS, "claire", "Martin", "example.test", "zzz", "Re:", "1"]))
    start = draw(st.integers(0, max(0, len(word) - 1)))
    end = draw(st.integers(start + 1, len(word)))
    piece = word[start:end]
    return draw(st.sampled_from([piece, piece.upper(), piece.lower(), piece + " ", "", piece + " " + piece]))


days = st.dates(date(2024, 12, 30), date(2025, 1, 22))
uid_ranges = st.lists(st.tuples(st.integers(1, COUNT + 3), st.integers(1, COUNT + 3)), min_size=1, max_size=4)
leaves = st.one_of(
    st.just(All()),
    st.builds(HasFlag, st.sampled_from([*FLAGS, "\\seen", "$label1", "\\Recent", "Other"]), st.booleans()),
    st.builds(FieldContains, st.sampled_from(list(TextField)), needles()),
    st.builds(HeaderContains, st.sampled_from(["Subject", "x-dossier", "FROM", "Message-ID", "Nope"]), needles()),
    st.builds(TextContains, needles(), st.booleans()),
    st.builds(DateIs, st.sampled_from(list(DateOf)), st.sampled_from(list(DateTest)), days),
    st.builds(SizeIs, st.integers(300, 700), st.booleans()),
    st.builds(UidIn, uid_ranges),
    st.builds(ModSeqAtLeast, st.integers(1, 60)),
)
criteria = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(Or, inner, inner),
        st.builds(And, st.lists(inner, min_size=1, max_size=3).map(tuple)),
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(criterion=criteria)
async def test_search_matches_a_brute_force_filter(corpus: tuple[ImapView, int, list[Truth]], criterion) -> None:  # type: ignore[no-untyped-def]
    view, inbox, truths = corpus
    result = await view.search.search(inbox, criterion)
    wanted = [t for t in truths if expect(criterion, t)]
    event("some match" if 0 < len(wanted) < len(truths) else "all or none match")
    assert result.uids.tolist() == [t.uid for t in wanted]
    assert result.highest_modseq == max((t.modseq for t in wanted), default=0)


async def test_short_and_special_needles(corpus: tuple[ImapView, int, list[Truth]]) -> None:
    view, inbox, truths = corpus
    for needle in ["é", "É", "ss", "%", "_", '"', "a_b", "100%", 'x"y', "STRASSE", "Œ"]:
        for criterion in (TextContains(needle), FieldContains(TextField.SUBJECT, needle)):
            found = (await view.search.search(inbox, criterion)).uids.tolist()
            assert found == [t.uid for t in truths if expect(criterion, t)], (needle, criterion)


async def test_huge_uid_sets_are_rechecked_exactly(corpus: tuple[ImapView, int, list[Truth]]) -> None:
    view, inbox, truths = corpus
    odd = tuple((u, u) for u in range(1, 1200, 2)) + tuple((u, u + 1) for u in range(2000, 3000, 4))
    criterion = And((UidIn(odd), Not(HasFlag("\\Seen"))))
    found = (await view.search.search(inbox, criterion)).uids.tolist()
    assert found == [t.uid for t in truths if expect(criterion, t)]


async def test_max_uid_limits_results_to_known_messages(corpus: tuple[ImapView, int, list[Truth]]) -> None:
    view, inbox, _ = corpus
    assert (await view.search.search(inbox, All(), max_uid=5)).uids.tolist() == [1, 2, 3, 4, 5]


async def test_internal_dates_are_compared_in_the_searchers_time_zone(store: Store) -> None:
    box = await mailbox(store)
    from tests.mailserver.store.imap_corpus import message_bytes

    late = datetime(2025, 1, 10, 23, 30, tzinfo=UTC)  # 11 January in Paris
    await store.mail.deliver(new_message(message_bytes(1), late), [box.id])
    paris = ImapView(store, timezone=timezone(timedelta(hours=1)))
    inbox = (await paris.directory.folder(box.id, "INBOX")).id
    on_11 = DateIs(DateOf.INTERNAL, DateTest.ON, date(2025, 1, 11))
    assert (await paris.search.search(inbox, on_11)).uids.tolist() == [1]
    assert (await ImapView(store).search.search(inbox, on_11)).uids.tolist() == []
