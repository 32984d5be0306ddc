"""The selected mailbox as this session's client knows it: message numbering, flags and modseqs in memory.

Owns the session's copy of the SELECT snapshot (parallel arrays in UID order), the mapping between message
sequence numbers and UIDs (RFC 3501 §2.3.1.2), the resolution of sequence sets and UID sets into UID ranges, and
the expunges learnt but not yet told (RFC 3501 §7.4.1: the numbers stay until an EXPUNGE may be sent). Works on
intervals and arrays, never on per-message objects, so that a 100,000-message folder costs a few megabytes and
`FETCH 1:*` needs no query. The arrays start shared with the process's snapshot cache and are copied on the first
change (copy on write), so sessions on one folder share them until it changes. Never talks to the store (the
`updates` module brings changes in).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mailserver.imap.places import Place
from mailserver.imap.sequence import NumberSet, SequenceSet
from mailserver.store.imap_feed import FolderWatch
from mailserver.store.imap_records import Snapshot

UidRanges = list[tuple[int, int]]


class InvalidSequence(ValueError):
    """A message sequence number above the number of messages (RFC 3501 §9: answered BAD)."""


@dataclass
class SelectedFolder:
    place: Place
    folder_id: int
    uidvalidity: int
    read_only: bool
    watch: FolderWatch
    uids: array[int]
    flags: list[str]
    modseqs: array[int]
    known_modseq: int  # every change up to this modseq is in the arrays (expunges perhaps still pending)
    uidnext: int
    pending_expunges: set[int] = field(default_factory=set)
    private: bool = False  # the arrays are this session's own (else shared: copied before the first change)

    @classmethod
    def open(cls, place: Place, snapshot: Snapshot, watch: FolderWatch, *, read_only: bool) -> SelectedFolder:
        """The folder as `snapshot` shows it; the snapshot's arrays are shared, never changed here."""
        return cls(
            place=place,
            folder_id=snapshot.folder_id,
            uidvalidity=snapshot.uidvalidity,
            read_only=read_only,
            watch=watch,
            uids=snapshot.uids,
            flags=snapshot.flags,
            modseqs=snapshot.modseqs,
            known_modseq=snapshot.highestmodseq,
            uidnext=snapshot.uidnext,
        )

    def close(self) -> None:
        self.watch.close()

    # ---------------------------------------------------------------- numbering
    @property
    def exists(self) -> int:
        return len(self.uids)

    @property
    def max_uid(self) -> int:
        return self.uids[-1] if self.uids else 0

    def index_of(self, uid: int) -> int | None:
        """0-based position of `uid` (sequence number minus one), None if the client does not know it."""
        index = bisect.bisect_left(self.uids, uid)
        if index < len(self.uids) and self.uids[index] == uid:
            return index
        return None

    def indexes_of(self, uids: Sequence[int]) -> list[int]:
        """Positions of the known UIDs among ascending `uids` (a linear merge: SEARCH results can be large)."""
        out: list[int] = []
        known = self.uids
        position, count = 0, len(known)
        for uid in uids:
            if count - position > 64 and known[position] < uid:
                position = bisect.bisect_left(known, uid, position)
            while position < count and known[position] < uid:
                position += 1
            if position < count and known[position] == uid:
                out.append(position)
        return out

    def sequence_intervals(self, sequence_set: SequenceSet) -> list[tuple[int, int]]:
        """0-based inclusive index intervals of a message sequence set; InvalidSequence if a number is too high."""
        if sequence_set.highest_number() > self.exists:
            raise InvalidSequence("message sequence number above the message count")
        if not self.exists:
            if sequence_set.uses_star:
                raise InvalidSequence("no messages")  # RFC 9051 §6.4.x: "*" names no message in an empty mailbox
            return []
        numbers = sequence_set.resolve(self.exists)
        return [(first - 1, last - 1) for first, last in numbers.intervals]

    def uid_intervals(self, uid_set: SequenceSet) -> list[tuple[int, int]]:
        """0-based index intervals of the known messages a UID set names (unknown UIDs are ignored)."""
        numbers = uid_set.resolve(self.max_uid)
        out: list[tuple[int, int]] = []
        for first, last in numbers.intervals:
            start = bisect.bisect_left(self.uids, first)
            end = bisect.bisect_right(self.uids, last) - 1
            if start <= end:
                if out and out[-1][1] + 1 >= start:
                    out[-1] = (out[-1][0], max(end, out[-1][1]))
                else:
                    out.append((start, end))
        return out

    def intervals(self, sequence_set: SequenceSet, *, uid: bool) -> list[tuple[int, int]]:
        return self.uid_intervals(sequence_set) if uid else self.sequence_intervals(sequence_set)

    def uid_ranges(self, intervals: Iterable[tuple[int, int]]) -> UidRanges:
        """The UID ranges covering index intervals (UIDs between two known ones are never unknown messages:
        new messages always get higher UIDs)."""
        return [(self.uids[first], self.uids[last]) for first, last in intervals]

    def uids_in(self, intervals: Iterable[tuple[int, int]]) -> list[int]:
        out: list[int] = []
        for first, last in intervals:
            out.extend(self.uids[first : last + 1])
        return out

    def all_uid_ranges(self) -> UidRanges:
        return [(self.uids[0], self.uids[-1])] if self.uids else []

    # ---------------------------------------------------------------- applying changes
    def _own(self) -> None:
        if not self.private:
            self.uids, self.modseqs, self.flags = array("q", self.uids), array("q", self.modseqs), list(self.flags)
            self.private = True

    def set_message(self, index: int, flags: str, modseq: int) -> None:
        self._own()
        self.flags[index] = flags
        self.modseqs[index] = modseq

    def append(self, uid: int, flags: str, modseq: int) -> None:
        self._own()
        self.uids.append(uid)
        self.flags.append(flags)
        self.modseqs.append(modseq)
        self.uidnext = max(self.uidnext, uid + 1)

    def remove(self, uids: set[int]) -> list[int]:
        """Forget `uids`; returns their former sequence numbers, highest first (the order EXPUNGE is sent in)."""
        indexes = sorted((i for i in (self.index_of(u) for u in uids) if i is not None), reverse=True)
        if not indexes:
            return []
        gone = set(indexes)
        keep = [i for i in range(len(self.uids)) if i not in gone]
        self.uids = array("q", (self.uids[i] for i in keep))
        self.modseqs = array("q", (self.modseqs[i] for i in keep))
        self.flags = [self.flags[i] for i in keep]
        self.private = True
        self.pending_expunges -= uids
        return [i + 1 for i in indexes]


def compact(numbers: Iterable[int]) -> str:
    """Ascending numbers as a compact set, `1:3,5` (VANISHED, ESEARCH ALL, MODIFIED)."""
    return NumberSet.from_numbers(numbers).to_text()
