"""SEARCH (every RFC 3501 key, OR/NOT/lists, sequence sets and $, MODSEQ, CHARSET, ESEARCH RETURN), SORT, THREAD."""

from __future__ import annotations

import datetime as dt

import pytest

from mailserver.imap.parser import (
    Command,
    DateField,
    DateRelation,
    EnvelopeField,
    SearchAll,
    SearchAnd,
    SearchContent,
    SearchDate,
    SearchField,
    SearchFlag,
    SearchHeader,
    SearchModSeq,
    SearchNot,
    SearchOr,
    SearchReturnOption,
    SearchSequence,
    SearchSize,
    SearchUid,
    Sort,
    SortCriterion,
    SortKey,
    Thread,
    ThreadAlgorithm,
)
from mailserver.imap.parser import Search as S
from mailserver.imap.parser.grammar_search import MAX_DEPTH
from mailserver.imap.sequence import SequenceSet
from tests.mailserver.imap.parser.client_input import parse, refusal

SEEN = SearchFlag("\\Seen")
FLAGGED = SearchFlag("\\Flagged")
FEB_1_1994 = dt.date(1994, 2, 1)
R = SearchReturnOption

VALID: list[tuple[bytes, Command]] = [
    (b"a1 SEARCH ALL", S(SearchAll())),
    (b"a1 search unseen", S(SearchFlag("\\Seen", present=False))),
    (
        b'a1 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"',
        S(
            SearchAnd(
                (
                    FLAGGED,
                    SearchDate(DateField.INTERNAL, DateRelation.SINCE, FEB_1_1994),
                    SearchNot(SearchField(EnvelopeField.FROM, "Smith")),
                )
            )
        ),
    ),
    (b"a1 SEARCH OR SEEN FLAGGED", S(SearchOr(SEEN, FLAGGED))),
    (b"a1 SEARCH (OR SEEN FLAGGED) DELETED", S(SearchAnd((SearchOr(SEEN, FLAGGED), SearchFlag("\\Deleted"))))),
    (b"a1 SEARCH (SEEN)", S(SEEN)),
    (b"a1 SEARCH NOT (SEEN FLAGGED)", S(SearchNot(SearchAnd((SEEN, FLAGGED))))),
    (b"a1 SEARCH 1:5,7", S(SearchSequence(SequenceSet.parse("1:5,7")))),
    (b"a1 SEARCH *", S(SearchSequence(SequenceSet.parse("*")))),
    (b"a1 UID SEARCH UID 100:*", S(SearchUid(SequenceSet.parse("100:*")), uid=True)),
    (b"a1 SEARCH $ SEEN", S(SearchAnd((SearchSequence(SequenceSet((), saved=True)), SEEN)))),
    (b"a1 UID SEARCH UID $", S(SearchUid(SequenceSet((), saved=True)), uid=True)),
    (
        b"a1 SEARCH CHARSET UTF-8 SUBJECT {8+}\r\nR\xc3\xa9sum\xc3\xa9",
        S(SearchField(EnvelopeField.SUBJECT, "Résumé"), charset="UTF-8"),
    ),
    (b'a1 SEARCH CHARSET UTF-8 BODY "r\xc3\xa9sum\xc3\xa9"', S(SearchContent("résumé"), charset="UTF-8")),
    (b'a1 SEARCH CHARSET iso-8859-1 BODY "caf\xe9"', S(SearchContent("café"), charset="ISO-8859-1")),
    (b"a1 SEARCH CHARSET US-ASCII TEXT dossier", S(SearchContent("dossier", include_header=True), charset="US-ASCII")),
    (b'a1 SEARCH HEADER Message-ID "<abc@x.test>"', S(SearchHeader("Message-ID", "<abc@x.test>"))),
    (b'a1 SEARCH HEADER X-Priority ""', S(SearchHeader("X-Priority", ""))),
    (b"a1 SEARCH LARGER 10000 SMALLER 20000", S(SearchAnd((SearchSize(10000, True), SearchSize(20000, False))))),
    (
        b'a1 SEARCH BEFORE "1-Feb-1994" ON 3-mar-2024 SENTSINCE 01-Jan-2024 SENTBEFORE 2-Jan-2024 SENTON 9-Dec-2023',
        S(
            SearchAnd(
                (
                    SearchDate(DateField.INTERNAL, DateRelation.BEFORE, FEB_1_1994),
                    SearchDate(DateField.INTERNAL, DateRelation.ON, dt.date(2024, 3, 3)),
                    SearchDate(DateField.SENT, DateRelation.SINCE, dt.date(2024, 1, 1)),
                    SearchDate(DateField.SENT, DateRelation.BEFORE, dt.date(2024, 1, 2)),
                    SearchDate(DateField.SENT, DateRelation.ON, dt.date(2023, 12, 9)),
                )
            )
        ),
    ),
    (
        b"a1 SEARCH KEYWORD $Forwarded UNKEYWORD $Junk",
        S(SearchAnd((SearchFlag("$Forwarded"), SearchFlag("$Junk", present=False)))),
    ),
    (b"a1 SEARCH NEW", S(SearchAnd((SearchFlag("\\Recent"), SearchFlag("\\Seen", present=False))))),
    (b"a1 SEARCH OLD", S(SearchFlag("\\Recent", present=False))),
    (
        b"a1 SEARCH RECENT ANSWERED DELETED DRAFT SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED",
        S(
            SearchAnd(
                (
                    SearchFlag("\\Recent"),
                    SearchFlag("\\Answered"),
                    SearchFlag("\\Deleted"),
                    SearchFlag("\\Draft"),
                    SEEN,
                    SearchFlag("\\Answered", False),
                    SearchFlag("\\Deleted", False),
                    SearchFlag("\\Draft", False),
                    SearchFlag("\\Flagged", False),
                )
            )
        ),
    ),
    (
        b"a1 SEARCH BCC x CC y TO z",
        S(
            SearchAnd(
                (
                    SearchField(EnvelopeField.BCC, "x"),
                    SearchField(EnvelopeField.CC, "y"),
                    SearchField(EnvelopeField.TO, "z"),
                )
            )
        ),
    ),
    (b"a1 SEARCH MODSEQ 620162338", S(SearchModSeq(620162338))),
    (b'a1 SEARCH MODSEQ "/flags/\\\\draft" all 620162338', S(SearchModSeq(620162338, "/flags/\\draft", "all"))),
    (
        b"a1 SEARCH RETURN (MIN MAX COUNT) UNSEEN",
        S(SearchFlag("\\Seen", False), return_options=frozenset({R.MIN, R.MAX, R.COUNT})),
    ),
    (b"a1 SEARCH RETURN () ALL", S(SearchAll(), return_options=frozenset({R.ALL}))),  # RFC 4731: () is ALL
    (b"a1 SEARCH RETURN (SAVE) FLAGGED", S(FLAGGED, return_options=frozenset({R.SAVE}))),
    (
        b"a1 UID SEARCH RETURN (ALL) CHARSET UTF-8 ALL",
        S(SearchAll(), charset="UTF-8", return_options=frozenset({R.ALL}), uid=True),
    ),
    (b"a1 SORT (DATE) UTF-8 ALL", Sort((SortCriterion(SortKey.DATE),), "UTF-8", SearchAll())),
    (
        b"a1 UID SORT (REVERSE ARRIVAL CC FROM SIZE SUBJECT TO) us-ascii UNSEEN SINCE 1-Feb-1994",
        Sort(
            (
                SortCriterion(SortKey.ARRIVAL, reverse=True),
                SortCriterion(SortKey.CC),
                SortCriterion(SortKey.FROM),
                SortCriterion(SortKey.SIZE),
                SortCriterion(SortKey.SUBJECT),
                SortCriterion(SortKey.TO),
            ),
            "US-ASCII",
            SearchAnd((SearchFlag("\\Seen", False), SearchDate(DateField.INTERNAL, DateRelation.SINCE, FEB_1_1994))),
            uid=True,
        ),
    ),
    (b"a1 THREAD REFERENCES UTF-8 ALL", Thread(ThreadAlgorithm.REFERENCES, "UTF-8", SearchAll())),
    (
        b"a1 UID THREAD orderedsubject UTF-8 SINCE 5-MAR-2000",
        Thread(
            ThreadAlgorithm.ORDEREDSUBJECT,
            "UTF-8",
            SearchDate(DateField.INTERNAL, DateRelation.SINCE, dt.date(2000, 3, 5)),
            uid=True,
        ),
    ),
]

INVALID: list[tuple[bytes, str]] = [
    (b"a1 SEARCH", "Missing"),
    (b"a1 SEARCH FOO", "Unknown search key"),
    (b"a1 SEARCH BEFORE 31-Feb-2024", "Invalid date"),
    (b"a1 SEARCH BEFORE yesterday", "Invalid date"),
    (b"a1 SEARCH SINCE 1-Foo-2024", "Invalid date"),
    (b"a1 SEARCH OR SEEN", "Missing"),
    (b"a1 SEARCH NOT", "Missing"),
    (b"a1 SEARCH ()", "Empty list of search keys"),
    (b"a1 SEARCH (SEEN", "Expected ')'"),
    (b"a1 SEARCH RETURN (FOO) ALL", "Unknown SEARCH RETURN option"),
    (b"a1 SEARCH RETURN (MIN)", "Missing"),
    (b"a1 SEARCH " + b"NOT " * (MAX_DEPTH + 5) + b"ALL", "nested too deeply"),
    (b"a1 SEARCH " + b"(" * (MAX_DEPTH + 5) + b"ALL" + b")" * (MAX_DEPTH + 5), "nested too deeply"),
    (b"a1 SEARCH " + b"OR ALL " * (MAX_DEPTH + 5) + b"ALL", "nested too deeply"),
    (b"a1 SEARCH LARGER x", "Expected size"),
    (b"a1 SEARCH UID 0", "Invalid UID set"),
    (b'a1 SEARCH MODSEQ "/foo" all 1', "Invalid MODSEQ entry name"),
    (b'a1 SEARCH MODSEQ "/flags/\\\\seen" bogus 1', "Invalid MODSEQ entry type"),
    (b"a1 SEARCH CHARSET UTF-8 BODY {2+}\r\n\xff\xfe", "does not match its charset"),
    (b'a1 SEARCH HEADER "Sub ject" x', "Invalid header field name"),
    (b"a1 SEARCH SEEN extra", "Unknown search key"),
    (b"a1 SORT (BOGUS) UTF-8 ALL", "Unknown sort key"),
    (b"a1 SORT () UTF-8 ALL", "Empty list of sort criteria"),
    (b"a1 SORT (DATE) UTF-8", "Missing"),
    (b"a1 SORT DATE UTF-8 ALL", "Expected '('"),
    (b"a1 THREAD FOO UTF-8 ALL", "Unknown threading algorithm"),
    (b"a1 THREAD REFERENCES", "Missing"),
]


@pytest.mark.parametrize(("line", "expected"), VALID, ids=[repr(line[:70]) for line, _ in VALID])
def test_search_sort_thread_parse_to_their_typed_commands(line: bytes, expected: Command) -> None:
    parsed = parse(line)
    assert parsed.tag == "a1"
    assert parsed.command == expected


@pytest.mark.parametrize(("line", "message"), INVALID, ids=[repr(line[:70]) for line, _ in INVALID])
def test_malformed_search_sort_thread_is_bad_with_its_tag(line: bytes, message: str) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "BAD")
    assert message in error.client_text


@pytest.mark.parametrize(
    "line",
    [b"a1 SEARCH CHARSET KOI8-R ALL", b"a1 SORT (DATE) X-UNKNOWN ALL", b"a1 THREAD REFERENCES rot13 ALL"],
)
def test_unknown_charset_is_no_badcharset_listing_the_supported_ones(line: bytes) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "NO")  # RFC 3501 §6.4.4
    assert error.code == "BADCHARSET (UTF-8 US-ASCII ISO-8859-1 ISO-8859-15)"


def test_search_error_does_not_echo_the_search_string() -> None:
    error = refusal(b'a1 SEARCH SUBJECT "DUPONT Jean" BEFORE 31-Feb-2024')
    assert "DUPONT" not in error.client_text
    assert "DUPONT" not in error.log_detail
