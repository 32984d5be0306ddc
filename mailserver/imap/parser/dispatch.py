"""From a framed command to a typed command: the tag, the command name, then that command's grammar.

Owns `parse_command`, the table of command names, and the UID prefix (RFC 3501 §6.4.8, RFC 4315, RFC 6851,
RFC 5256). Whatever the input, it returns a `TaggedCommand` or raises `ParseError`; nothing else escapes. It must
never decide whether a command is allowed in the session's state: a well-formed FETCH before SELECT parses fine.
"""

from __future__ import annotations

from collections.abc import Callable

from mailserver.imap.parser import (
    grammar_fetch,
    grammar_list,
    grammar_mailbox,
    grammar_message,
    grammar_search,
    grammar_session,
)
from mailserver.imap.parser.commands import Command, TaggedCommand
from mailserver.imap.parser.framing import RawCommand
from mailserver.imap.parser.lexer import Reader

__all__ = ["parse_command"]

_Grammar = Callable[[Reader], Command]
_UidGrammar = Callable[[Reader, bool], Command]


def _no_arguments(name: str) -> _Grammar:
    command = grammar_session.parse_no_arguments(name)
    return lambda reader: command


_COMMANDS: dict[str, _Grammar] = {
    **{
        name: _no_arguments(name)
        for name in ("CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "IDLE", "NAMESPACE", "CHECK", "CLOSE", "UNSELECT")
    },
    "AUTHENTICATE": grammar_session.parse_authenticate,
    "LOGIN": grammar_session.parse_login,
    "ID": grammar_session.parse_id,
    "ENABLE": grammar_session.parse_enable,
    "SELECT": lambda reader: grammar_mailbox.parse_select(reader, read_only=False),
    "EXAMINE": lambda reader: grammar_mailbox.parse_select(reader, read_only=True),
    "CREATE": grammar_mailbox.parse_create,
    "DELETE": grammar_mailbox.parse_delete,
    "RENAME": grammar_mailbox.parse_rename,
    "SUBSCRIBE": grammar_mailbox.parse_subscribe,
    "UNSUBSCRIBE": grammar_mailbox.parse_unsubscribe,
    "LIST": grammar_list.parse_list,
    "LSUB": grammar_mailbox.parse_lsub,
    "STATUS": grammar_mailbox.parse_status,
    "APPEND": grammar_mailbox.parse_append,
}

# Commands that also exist behind the UID prefix; the flag says which form was sent.
_UID_COMMANDS: dict[str, _UidGrammar] = {
    "FETCH": lambda reader, uid: grammar_fetch.parse_fetch(reader, uid=uid),
    "STORE": lambda reader, uid: grammar_message.parse_store(reader, uid=uid),
    "COPY": lambda reader, uid: grammar_message.parse_copy(reader, uid=uid),
    "MOVE": lambda reader, uid: grammar_message.parse_move(reader, uid=uid),
    "EXPUNGE": lambda reader, uid: grammar_message.parse_expunge(reader, uid=uid),
    "SEARCH": lambda reader, uid: grammar_search.parse_search(reader, uid=uid),
    "SORT": lambda reader, uid: grammar_search.parse_sort(reader, uid=uid),
    "THREAD": lambda reader, uid: grammar_search.parse_thread(reader, uid=uid),
}


def parse_command(raw: RawCommand, *, utf8: bool = False) -> TaggedCommand:
    """Parse one framed command. `utf8` is set once the client has enabled UTF8=ACCEPT (RFC 6855 §3).

    Raises `ParseError` (tag None when the tag itself is unusable).
    """
    reader = Reader(raw, utf8=utf8)
    tag = reader.tag_token()
    if reader.at_end():
        raise reader.fail("Missing command")
    reader.space()
    name = reader.atom("command name")
    command: Command
    if name == "UID":
        reader.space()
        uid_grammar = _UID_COMMANDS.get(reader.atom("command after UID"))
        if uid_grammar is None:
            raise reader.fail("Unknown UID command")
        command = uid_grammar(reader, True)
    elif name in _UID_COMMANDS:
        command = _UID_COMMANDS[name](reader, False)
    elif name in _COMMANDS:
        command = _COMMANDS[name](reader)
    else:
        raise reader.fail("Unknown command")
    reader.expect_end()
    return TaggedCommand(tag, command)
