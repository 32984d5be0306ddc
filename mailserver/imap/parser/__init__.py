"""The IMAP parser: bytes from the socket to typed commands, pure and table-tested (DESIGN.md §2).

Owns framing (`CommandFramer`), the command grammar (`parse_command`) and the typed commands. It never does I/O,
never holds session state beyond the framer's buffer, and never raises anything but `ParseError` on client input.

Typical use in a session::

    framer.feed(data)
    while (event := framer.next_event()) is not None:
        match event:
            case CommandReady(raw):      command = parse_command(raw, utf8=utf8_enabled)  # or ParseError
            case ContinuationRequest():  send b"+ Ready for literal data\\r\\n"
            case ContinuationLine(line): is_idle_done(line) / decode_sasl_response(line)
            case Refused():              send the tagged status; close if event.fatal
"""

from __future__ import annotations

from mailserver.imap.parser.commands import *  # noqa: F403
from mailserver.imap.parser.commands import __all__ as _commands_all
from mailserver.imap.parser.dispatch import parse_command
from mailserver.imap.parser.errors import ParseError, ResponseStatus
from mailserver.imap.parser.fetch_items import *  # noqa: F403
from mailserver.imap.parser.fetch_items import __all__ as _fetch_all
from mailserver.imap.parser.framing import (
    CommandFramer,
    CommandReady,
    ContinuationLine,
    ContinuationRequest,
    FramingEvent,
    FramingLimits,
    RawCommand,
    Refused,
)
from mailserver.imap.parser.grammar_search import SUPPORTED_CHARSETS
from mailserver.imap.parser.grammar_session import SASL_CANCEL, decode_sasl_response, is_idle_done
from mailserver.imap.parser.search_keys import *  # noqa: F403
from mailserver.imap.parser.search_keys import __all__ as _search_all

__all__ = [
    *_commands_all,
    *_fetch_all,
    *_search_all,
    "SASL_CANCEL",
    "SUPPORTED_CHARSETS",
    "CommandFramer",
    "CommandReady",
    "ContinuationLine",
    "ContinuationRequest",
    "FramingEvent",
    "FramingLimits",
    "ParseError",
    "RawCommand",
    "Refused",
    "ResponseStatus",
    "decode_sasl_response",
    "is_idle_done",
    "parse_command",
]
