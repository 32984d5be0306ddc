"""Reading DATA: finding the end of the message and checking it, chunk by chunk, without I/O.

Owns `DataScanner`. The only end of data is CRLF "." CRLF (RFC 5321 §4.1.1.4); the content is the bytes before
it with dot-stuffing removed (§4.5.2). The verdict, once the end is found:
- `too-big`: more than the size limit (RFC 1870); the rest is read and dropped, never held;
- `bare-line-ending`: a CR not followed by LF, or an LF not preceded by CR, anywhere in the data (§2.3.8). This is
  what closes SMTP smuggling: `\\n.\\n`, `\\n.\\r\\n`, `\\r.\\r`, `\\r\\n.\\r`, `\\r.\\r\\n` ... are not ends of data
  here, and the message that contains them is refused as a whole, so nothing after them is read as a command;
- `line-too-long`: a line over 1000 octets with its CRLF, plus the transparency dot (§4.5.3.1.6);
- `too-many-fields`: more header fields than allowed;
- `ok`.
Scanning works on whole chunks with bytes methods (no per-line Python loop), so a 100 KB message costs
microseconds. Never writes, never decides policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

END = b"\r\n.\r\n"
MAX_LINE = 1000  # RFC 5321 §4.5.3.1.6: text line, CRLF included
_STUFFED = re.compile(rb"\n\.")  # a line that starts with a dot; the regex finds it faster than bytes.find
Verdict = Literal["ok", "too-big", "bare-line-ending", "line-too-long", "too-many-fields"]


@dataclass(frozen=True)
class DataResult:
    verdict: Verdict
    content: bytes  # empty unless the verdict is "ok"
    size: int  # octets read before the end marker, dot-stuffing included


class DataScanner:
    """Feed chunks with `feed` until it returns the leftover (bytes after the end marker), then call `result`."""

    def __init__(self, max_size: int, max_header_fields: int) -> None:
        self._max_size = max_size
        self._max_fields = max_header_fields
        self._buffer = bytearray(b"\r\n")  # the CRLF that ended the DATA command: the data starts on a new line
        self._searched = 0
        self._dropped = 0  # bytes discarded once over the limit
        self._end: int | None = None

    @property
    def done(self) -> bool:
        return self._end is not None

    def feed(self, chunk: bytes) -> bytes | None:
        """Add `chunk`; returns None while the end is not seen, else the bytes that follow the end marker."""
        buf = self._buffer
        buf += chunk
        end = buf.find(END, self._searched)
        if end < 0:
            self._searched = max(0, len(buf) - len(END) + 1)
            if self._max_size and len(buf) - 2 > self._max_size + len(END):
                keep = buf[-(len(END) - 1) :]  # enough to find an end marker split across chunks
                self._dropped += len(buf) - len(keep)
                self._buffer = bytearray(keep)
                self._searched = 0
            return None
        self._end = end
        leftover = bytes(buf[end + len(END) :])
        del buf[end + 2 :]  # keep the CRLF of the last line
        return leftover

    def result(self) -> DataResult:
        assert self._end is not None, "result() before the end of data"
        data = bytes(self._buffer)  # starts with the virtual CRLF, ends with the last line's CRLF
        size = self._dropped + len(data) - 2
        if self._dropped or (self._max_size and size > self._max_size):
            return DataResult("too-big", b"", size)
        # bytes.splitlines() breaks at CRLF, bare CR and bare LF alike and drops them, so the data (which ends
        # with a CRLF) holds no bare one exactly when it is its lines plus two octets a line (RFC 5321 §2.3.8).
        # One split serves this and the line lengths: 0.16 ms for 100 KB, against 0.26 ms for three counts and
        # a split on CRLF.
        lengths = list(map(len, data.splitlines()))
        if len(data) != sum(lengths) + 2 * len(lengths):
            return DataResult("bare-line-ending", b"", size)
        if len(data) > MAX_LINE and max(lengths) > MAX_LINE - 1:
            return DataResult("line-too-long", b"", size)  # MAX_LINE - 2 octets of text, plus a stuffed dot
        # RFC 5321 §4.5.2: remove the transparency dots (every LF is in a CRLF by now).
        content = data.replace(b"\r\n.", b"\r\n")[2:] if _STUFFED.search(data) else data[2:]
        if self._too_many_fields(content):
            return DataResult("too-many-fields", b"", size)
        return DataResult("ok", content, size)

    def _too_many_fields(self, content: bytes) -> bool:
        if not self._max_fields:
            return False
        blank = content.find(b"\r\n\r\n")
        header = content if blank < 0 else content[: blank + 2]
        lines = header.count(b"\r\n")
        continuations = header.count(b"\r\n ") + header.count(b"\r\n\t")  # RFC 5322 §2.2.3 folding
        return lines - continuations > self._max_fields
