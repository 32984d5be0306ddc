"""From the parser's search keys to the store's search criteria (RFC 3501 §6.4.4, RFC 7162 §3.1.5).

Owns resolving what only the session knows: message sequence numbers become UID ranges of its numbering, UID sets
are resolved against the UIDs it has been told, and `$` (SEARCHRES, not offered) names nothing. \\Recent is never
set here, so RECENT matches nothing and OLD everything, through the ordinary flag test. Never searches itself.
"""

from __future__ import annotations

from mailserver.imap.parser import (
    DateRelation,
    SearchAll,
    SearchAnd,
    SearchContent,
    SearchDate,
    SearchField,
    SearchFlag,
    SearchHeader,
    SearchKey,
    SearchModSeq,
    SearchNot,
    SearchOr,
    SearchSequence,
    SearchSize,
    SearchUid,
)
from mailserver.imap.parser.search_keys import DateField
from mailserver.imap.selected import SelectedFolder
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

_FIELDS = {field.name: field for field in TextField}  # FROM, TO, CC, BCC, SUBJECT on both sides
_TESTS = {DateRelation.BEFORE: DateTest.BEFORE, DateRelation.ON: DateTest.ON, DateRelation.SINCE: DateTest.SINCE}


def criterion(key: SearchKey, selected: SelectedFolder) -> Criterion:
    """The store's criterion for `key`, in the numbering of `selected`."""
    if isinstance(key, SearchAll):
        return All()
    if isinstance(key, SearchFlag):
        return HasFlag(key.flag, key.present)
    if isinstance(key, SearchField):
        return FieldContains(_FIELDS[key.field.name], key.value)
    if isinstance(key, SearchHeader):
        return HeaderContains(key.name, key.value)
    if isinstance(key, SearchContent):
        return TextContains(key.value, key.include_header)
    if isinstance(key, SearchDate):
        of = DateOf.INTERNAL if key.field is DateField.INTERNAL else DateOf.SENT
        return DateIs(of, _TESTS[key.relation], key.date)
    if isinstance(key, SearchSize):
        return SizeIs(key.octets, key.larger)
    if isinstance(key, SearchSequence):
        return UidIn(selected.uid_ranges(selected.sequence_intervals(key.sequence_set)))
    if isinstance(key, SearchUid):
        return UidIn(list(key.uid_set.resolve(selected.max_uid).intervals))
    if isinstance(key, SearchModSeq):
        return ModSeqAtLeast(key.modseq)
    if isinstance(key, SearchNot):
        return Not(criterion(key.key, selected))
    if isinstance(key, SearchOr):
        return Or(criterion(key.left, selected), criterion(key.right, selected))
    return And(tuple(criterion(k, selected) for k in key.keys))


def uses_modseq(key: SearchKey) -> bool:
    """Whether the search names MODSEQ (RFC 7162 §3.1.5: the response then carries the highest modseq)."""
    if isinstance(key, SearchModSeq):
        return True
    if isinstance(key, SearchNot):
        return uses_modseq(key.key)
    if isinstance(key, SearchOr):
        return uses_modseq(key.left) or uses_modseq(key.right)
    if isinstance(key, SearchAnd):
        return any(uses_modseq(k) for k in key.keys)
    return False
