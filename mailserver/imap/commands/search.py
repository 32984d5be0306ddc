"""SEARCH and UID SEARCH (RFC 3501 §6.4.4) with ESEARCH (RFC 4731), CHARSET and MODSEQ (RFC 7162 §3.1.5).

Owns translating the keys for the store (`search_criteria`), limiting the result to the messages the client has
been told about, and the two response forms: `* SEARCH n...` (with `(MODSEQ m)` when MODSEQ was searched), and
`* ESEARCH (TAG "t") [UID] MIN MAX COUNT ALL` for RETURN options. Header, text and body searches run on the
store's indexes. Never sends EXPUNGE during a non-UID SEARCH (RFC 3501 §7.4.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Search, SearchReturnOption
from mailserver.imap.replies import Reply, done
from mailserver.imap.search_criteria import criterion, uses_modseq
from mailserver.imap.selected import compact
from mailserver.message import quote_or_literal

if TYPE_CHECKING:
    from mailserver.imap.session import Session

NUMBERS_PER_WRITE = 8192


async def run(session: Session, tag: str, command: Search) -> Reply:
    selected = session.selected
    assert selected is not None
    options = command.return_options
    if options is not None and SearchReturnOption.SAVE in options:
        return replies.SAVE_UNSUPPORTED  # SEARCHRES (RFC 5182) is not offered
    modseq = uses_modseq(command.key)
    if modseq:
        session.enabled.add("CONDSTORE")
    wanted = criterion(command.key, selected)
    result = await session.services.view.search.search(selected.folder_id, wanted, max_uid=selected.max_uid)
    numbers = list(result.uids) if command.uid else [i + 1 for i in selected.indexes_of(result.uids)]
    if options is None:
        await _plain(session, numbers, result.highest_modseq if modseq and numbers else None)
    else:
        session.out.write(_esearch(tag, command.uid, options, numbers, result.highest_modseq if modseq else None))
    return done("UID SEARCH" if command.uid else "SEARCH")


async def _plain(session: Session, numbers: list[int], modseq: int | None) -> None:
    session.out.write(b"* SEARCH")
    for start in range(0, len(numbers), NUMBERS_PER_WRITE):
        await session.out.write_some(b"".join(b" %d" % n for n in numbers[start : start + NUMBERS_PER_WRITE]))
    if modseq is not None:
        session.out.write(b" (MODSEQ %d)" % modseq)
    session.out.write(b"\r\n")


def _esearch(
    tag: str, uid: bool, options: frozenset[SearchReturnOption], numbers: list[int], modseq: int | None
) -> bytes:
    """RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched; COUNT is always there when asked."""
    line = b"* ESEARCH (TAG " + quote_or_literal(tag.encode("ascii")) + b")"
    if uid:
        line += b" UID"
    if numbers and SearchReturnOption.MIN in options:
        line += b" MIN %d" % numbers[0]
    if numbers and SearchReturnOption.MAX in options:
        line += b" MAX %d" % numbers[-1]
    if SearchReturnOption.COUNT in options:
        line += b" COUNT %d" % len(numbers)
    if numbers and SearchReturnOption.ALL in options:
        line += b" ALL " + compact(numbers).encode("ascii")
    if modseq is not None and numbers:
        line += b" MODSEQ %d" % modseq
    return line + b"\r\n"
