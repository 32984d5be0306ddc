"""Hostile and malformed input (DESIGN.md §6): the message layer never raises, and stays within the bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailserver.message import (
    MAX_TEXT_CHARS,
    PartMap,
    from_json,
    parse_mime,
    readable_text,
    section_bytes,
    summarise,
    to_json,
)
from mailserver.message.mime import MAX_DEPTH, MAX_PARTS
from tests.mailserver.message import imapwire, samples

SAMPLES = list(samples.ALL.values())


def walk(layout: PartMap, path: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], PartMap]]:
    """Every (part path, part) the layout can serve, as IMAP numbers them."""
    found = [(path, layout)]
    if layout.message is not None:
        found += walk_message(layout.message, path)
    for index, child in enumerate(layout.children, start=1):
        found += walk(child, (*path, index))
    return found


def walk_message(root: PartMap, path: tuple[int, ...]) -> list[tuple[tuple[int, ...], PartMap]]:
    if root.children:
        return [pair for i, c in enumerate(root.children, start=1) for pair in walk(c, (*path, i))]
    return [((*path, 1), root)]


def check_summary(raw: bytes) -> None:
    summary = summarise(raw)
    assert summary.size == len(raw)
    imapwire.read(summary.envelope)
    imapwire.read(summary.bodystructure)
    imapwire.read(summary.body)
    for _path, part in walk(summary.layout):
        assert 0 <= part.header_start <= part.body_start <= part.end <= len(raw)
        for child in part.children:
            assert part.body_start <= child.header_start and child.end <= part.end
    for path, _part in walk(summary.layout)[:50]:
        prefix = ".".join(map(str, path))
        for text in ("", "MIME", "HEADER", "TEXT", "HEADER.FIELDS (From Subject)") if path else ("", "TEXT"):
            spec = f"{prefix}.{text}" if prefix and text else prefix or text
            data = section_bytes(raw, summary.layout, spec)
            assert len(data) <= len(raw) + 2
    assert from_json(to_json(summary)) == summary
    assert len(readable_text(raw)) <= MAX_TEXT_CHARS  # what the store's text indexer extracts later


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_summarise_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    check_summary(raw)


@st.composite
def mutated_samples(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=6),
                st.sampled_from([b"\r\n", b"\n", b"--", b'"', b"=?", b"?=", b";", b":", b"(", b"<", b"\x00", b"\xff"]),
            )
        )
        if action == "insert":
            raw[pos:pos] = chunk
        elif action == "delete":
            del raw[pos : pos + len(chunk)]
        else:
            raw[pos : pos + len(chunk)] = chunk
    return bytes(raw)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_samples())
def test_summarise_never_raises_on_mutated_valid_messages(raw: bytes) -> None:
    check_summary(raw)


@given(st.sampled_from(SAMPLES), st.lists(st.integers(1, 5), min_size=1, max_size=4), st.sampled_from(
    ["", ".MIME", ".HEADER", ".TEXT", ".HEADER.FIELDS (To)", ".HEADER.FIELDS.NOT (To)"]
))  # fmt: skip
def test_any_part_path_stays_within_the_message(raw: bytes, path: list[int], text: str) -> None:
    data = section_bytes(raw, parse_mime(raw), ".".join(map(str, path)) + text)
    assert data in raw or data.endswith(b"\r\n")


@given(st.sampled_from(SAMPLES))
def test_every_served_part_is_a_slice_of_the_message(raw: bytes) -> None:
    layout = summarise(raw).layout
    for path, part in walk(layout)[1:]:
        spec = ".".join(map(str, path))
        assert section_bytes(raw, layout, spec) == raw[part.body_start : part.end]
        assert section_bytes(raw, layout, spec + ".MIME") == raw[part.header_start : part.body_start]


def nested_multiparts(levels: int) -> bytes:
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(levels))
    tail = "".join(f"\n--b{i}--\n" for i in reversed(range(levels)))
    return samples.crlf("Subject: deep\n" + head + "Content-Type: text/plain\n\ncore\n" + tail)


def depth(layout: PartMap) -> int:
    inner = [*layout.children, *([layout.message] if layout.message else [])]
    return 1 + max((depth(c) for c in inner), default=0)


def test_absurd_multipart_nesting_is_capped() -> None:
    raw = nested_multiparts(300)
    summary = summarise(raw)
    assert depth(summary.layout) == MAX_DEPTH + 1
    imapwire.read(summary.bodystructure)
    assert b'"application" "octet-stream"' in summary.bodystructure


def test_absurd_message_rfc822_nesting_is_capped() -> None:
    raw = b"Content-Type: message/rfc822\r\n\r\n" * 5000 + b"end"
    summary = summarise(raw)
    assert depth(summary.layout) == MAX_DEPTH + 1
    imapwire.read(summary.bodystructure)


def test_huge_part_count_is_capped() -> None:
    raw = samples.crlf("Content-Type: multipart/mixed; boundary=b\n\n" + "--b\n\nx\n" * (MAX_PARTS + 500) + "--b--\n")
    summary = summarise(raw)
    assert len(summary.layout.children) < MAX_PARTS
    imapwire.read(summary.bodystructure)


def test_huge_header_count_is_bounded_but_served_byte_exact() -> None:
    raw = b"Subject: first\r\n" + b"X-Junk: y\r\n" * 100_000 + b"Subject: late\r\n\r\nbody"
    summary = summarise(raw)
    assert summary.subject == "first"  # fields past MAX_HEADER_FIELDS are not examined
    assert summary.size == len(raw)
    assert section_bytes(raw, summary.layout, "HEADER.FIELDS (SUBJECT)") == b"Subject: first\r\nSubject: late\r\n\r\n"
    assert section_bytes(raw, summary.layout, "TEXT") == b"body"


def test_unterminated_multipart_keeps_its_last_part_to_the_end() -> None:
    raw = samples.crlf("Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\none\n--q\n\ntwo")
    summary = summarise(raw)
    assert section_bytes(raw, summary.layout, "1") == b"one"
    assert section_bytes(raw, summary.layout, "2") == b"two"


def test_longer_boundary_sharing_a_prefix_is_not_a_delimiter() -> None:
    raw = samples.crlf(
        "Content-Type: multipart/mixed; boundary=ab\n\n--ab\n"
        "Content-Type: multipart/alternative; boundary=abc\n\n--abc\n\ninner\n--abc--\n--ab--\n"
    )
    assert section_bytes(raw, parse_mime(raw), "1.1") == b"inner"


def test_bad_charsets_and_broken_encodings_decode_with_replacement() -> None:
    raw = samples.crlf(
        "Subject: =?zlib?B?eJw=?= =?x-nonsense?Q?caf=E9?= =?utf-8?B?###?=\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain; charset=zlib\nContent-Transfer-Encoding: base64\n\n!!!not base64\n"
        "--b\nContent-Type: text/plain; charset=utf-7\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\n"
        '--b\nContent-Type: text/html; charset="\\"\n\n<b\n--b--\n'
    )
    check_summary(raw)


def test_lf_only_message_is_understood() -> None:
    raw = samples.MIXED.replace(b"\r\n", b"\n")
    summary = summarise(raw)
    assert [a.filename for a in summary.attachments] == ["resultat.pdf", None]
    assert section_bytes(raw, summary.layout, "1") == b"Voir les pieces jointes."


def test_huge_address_list_is_bounded() -> None:
    raw = b"To: " + b", ".join(b"user%d@example.fr" % i for i in range(50_000)) + b"\r\n\r\nx"
    summary = summarise(raw)
    items = imapwire.read(summary.envelope)
    assert isinstance(items, list) and isinstance(items[5], list)
    assert 1_000 < len(items[5]) < 50_000
