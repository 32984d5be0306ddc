"""Grammar of LIST, basic (RFC 3501 §6.3.8) and extended (RFC 5258 LIST-EXTENDED).

Owns selection options (SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE of RFC 6154), several patterns, and return
options (CHILDREN, SUBSCRIBED, SPECIAL-USE, STATUS of RFC 5819). Unknown options are BAD, as RFC 5258 §3 asks.
It must never match patterns against mailboxes.
"""

from __future__ import annotations

from mailserver.imap.parser.commands import List, ListReturnOption, ListSelectOption, StatusItem
from mailserver.imap.parser.grammar_mailbox import read_status_items
from mailserver.imap.parser.lexer import Reader
from mailserver.imap.parser.mailbox import read_list_pattern, read_mailbox

__all__ = ["parse_list"]

# RFC 5258 §3.1: RECURSIVEMATCH only modifies a base option; alone it is BAD.
_BASE_OPTIONS = frozenset({ListSelectOption.SUBSCRIBED, ListSelectOption.SPECIAL_USE})


def _select_options(reader: Reader) -> frozenset[ListSelectOption]:
    def option() -> ListSelectOption:
        name = reader.atom("LIST selection option")
        try:
            return ListSelectOption(name)
        except ValueError as exc:
            raise reader.fail("Unknown LIST selection option") from exc

    options = frozenset(reader.parenthesized(option, "LIST selection options"))
    if ListSelectOption.RECURSIVEMATCH in options and not options & _BASE_OPTIONS:
        raise reader.fail("RECURSIVEMATCH needs another selection option")
    return options


def _return_options(reader: Reader) -> tuple[frozenset[ListReturnOption], tuple[StatusItem, ...]]:
    if reader.atom("RETURN") != "RETURN":
        raise reader.fail("Expected RETURN")
    reader.space()
    status_items: tuple[StatusItem, ...] = ()

    def option() -> ListReturnOption:
        nonlocal status_items
        name = reader.atom("LIST return option")
        try:
            chosen = ListReturnOption(name)
        except ValueError as exc:
            raise reader.fail("Unknown LIST return option") from exc
        if chosen is ListReturnOption.STATUS:
            reader.space()
            status_items = read_status_items(reader)  # RFC 5819 §2
        return chosen

    options = frozenset(reader.parenthesized(option, "LIST return options"))
    return options, status_items


def parse_list(reader: Reader) -> List:
    reader.space()
    select_options: frozenset[ListSelectOption] = frozenset()
    extended = False
    if reader.peek() == 0x28:
        select_options = _select_options(reader)
        extended = True
        reader.space()
    reference = read_mailbox(reader)
    reader.space()
    if reader.peek() == 0x28:
        patterns = tuple(reader.parenthesized(lambda: read_list_pattern(reader), "patterns", allow_empty=False))
        extended = True
    else:
        patterns = (read_list_pattern(reader),)
    return_options: frozenset[ListReturnOption] = frozenset()
    status_items: tuple[StatusItem, ...] = ()
    if reader.try_space():
        return_options, status_items = _return_options(reader)
        extended = True
    return List(reference, patterns, select_options, return_options, status_items, extended)
