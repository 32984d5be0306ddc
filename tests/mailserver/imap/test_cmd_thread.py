"""THREAD algorithms of RFC 5256 on rows as the store gives them, and the thread-list syntax (no store needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailserver.imap.thread_algorithms import ordered_subject, references, render
from mailserver.store.imap_records import ThreadRow

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def row(
    uid: int,
    subject: str = "SUJET",
    *,
    refs: tuple[str, ...] = (),
    in_reply_to: str | None = None,
    message_id: str | None = "",
    reply: bool = False,
    hours: int | None = None,
) -> ThreadRow:
    return ThreadRow(
        uid=uid,
        message_id=f"<m{uid}@x>" if message_id == "" else message_id,
        in_reply_to=in_reply_to,
        references=refs,
        base_subject=subject,
        subject_is_reply=reply,
        sent_at=T0 + timedelta(hours=uid if hours is None else hours),
    )


def threads(roots: list) -> bytes:  # type: ignore[type-arg]
    return render(roots, lambda uid: uid)


def test_references_builds_chains_and_branches() -> None:
    rows = [
        row(1, "A"),
        row(2, "A", refs=("<m1@x>",), reply=True),
        row(3, "A", refs=("<m1@x>", "<m2@x>"), reply=True),
        row(4, "A", refs=("<m1@x>",), reply=True),
        row(5, "B"),
    ]
    assert threads(references(rows)) == b"(1 (2 3)(4))(5)"


def test_references_uses_in_reply_to_without_references() -> None:
    assert threads(references([row(1, "A"), row(2, "Z", in_reply_to="<m1@x>")])) == b"(1 2)"


def test_a_missing_parent_becomes_an_empty_container_with_siblings() -> None:
    rows = [row(2, "A", refs=("<gone@x>",), reply=True), row(3, "A", refs=("<gone@x>",), reply=True)]
    assert threads(references(rows)) == b"((2)(3))"


def test_an_empty_container_with_one_child_is_promoted() -> None:
    assert threads(references([row(2, "A", refs=("<gone@x>",))])) == b"(2)"


def test_roots_with_the_same_base_subject_are_gathered() -> None:
    rows = [row(1, "A"), row(2, "A", reply=True), row(3, "B"), row(4, "B")]
    assert threads(references(rows)) == b"(1 2)((3)(4))"


def test_reference_loops_and_duplicate_ids_do_not_break_threading() -> None:
    rows = [
        row(1, "A", refs=("<m2@x>",)),
        row(2, "A", refs=("<m1@x>",)),
        row(3, "C", message_id="<m1@x>"),  # a duplicate Message-ID is a message of its own
        row(4, "D", message_id=None),
    ]
    result = threads(references(rows))
    assert sorted(result.replace(b"(", b" ").replace(b")", b" ").split()) == [b"1", b"2", b"3", b"4"]


def test_siblings_and_roots_are_sorted_by_sent_date_then_uid() -> None:
    rows = [
        row(1, "A", hours=10),
        row(2, "A", refs=("<m1@x>",), reply=True, hours=30),
        row(3, "A", refs=("<m1@x>",), reply=True, hours=20),
        row(4, "B", hours=5),
    ]
    assert threads(references(rows)) == b"(4)(1 (3)(2))"


def test_ordered_subject_groups_under_the_earliest_message() -> None:
    rows = [row(1, "B", hours=3), row(2, "A", hours=2), row(3, "A", hours=1), row(4, "B", hours=4)]
    rows.append(row(5, "A", hours=5))
    assert threads(ordered_subject(rows)) == b"(3 (2)(5))(1 4)"


def test_nothing_to_thread() -> None:
    assert threads(references([])) == b"" and threads(ordered_subject([])) == b""
