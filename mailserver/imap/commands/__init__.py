"""One module per IMAP command, and the table the session dispatches with.

Owns `REGISTRY`: for each typed command, the function that runs it, the states it is valid in (RFC 3501 §6), and
whether the updates written after it may include expunges (RFC 3501 §7.4.1: not after FETCH, STORE, SEARCH, nor,
here, SORT, THREAD and COPY, unless sent with UID). Each module's `run(session, tag, command)` returns the tagged
completion (`Reply`), or None when the command goes on with a continuation (AUTHENTICATE, IDLE) or has answered
already (STARTTLS). Never decides anything about a command here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mailserver.imap import parser
from mailserver.imap.commands import (
    append,
    authenticate,
    capability,
    check,
    close,
    copy,
    create,
    delete,
    enable,
    expunge,
    fetch,
    idle,
    login,
    logout,
    lsub,
    move,
    namespace,
    noop,
    rename,
    search,
    select,
    sort,
    starttls,
    status,
    store,
    subscribe,
    thread,
    unselect,
)
from mailserver.imap.commands import (
    id as id_,
)
from mailserver.imap.commands import (
    list as list_,
)
from mailserver.imap.replies import Reply
from mailserver.imap.states import ANY, AUTHENTICATED, AUTHENTICATED_ONLY, NOT_AUTHENTICATED, SELECTED, State

if TYPE_CHECKING:
    from mailserver.imap.session import Session

Run = Callable[["Session", str, Any], Awaitable[Reply | None]]


def _always(command: Any) -> bool:
    return True


def _with_uid(command: Any) -> bool:
    return bool(command.uid)


@dataclass(frozen=True)
class CommandSpec:
    run: Run
    states: frozenset[State]
    expunges_allowed: Callable[[Any], bool] = _always


REGISTRY: dict[type, CommandSpec] = {
    parser.Capability: CommandSpec(capability.run, ANY),
    parser.Noop: CommandSpec(noop.run, ANY),
    parser.Logout: CommandSpec(logout.run, ANY),
    parser.Id: CommandSpec(id_.run, ANY),
    parser.StartTls: CommandSpec(starttls.run, NOT_AUTHENTICATED),
    parser.Login: CommandSpec(login.run, NOT_AUTHENTICATED),
    parser.Authenticate: CommandSpec(authenticate.run, NOT_AUTHENTICATED),
    parser.Enable: CommandSpec(enable.run, AUTHENTICATED_ONLY),  # RFC 5161 §3.1: before SELECT
    parser.Select: CommandSpec(select.run, AUTHENTICATED),
    parser.Examine: CommandSpec(select.run, AUTHENTICATED),
    parser.Create: CommandSpec(create.run, AUTHENTICATED),
    parser.Delete: CommandSpec(delete.run, AUTHENTICATED),
    parser.Rename: CommandSpec(rename.run, AUTHENTICATED),
    parser.Subscribe: CommandSpec(subscribe.run, AUTHENTICATED),
    parser.Unsubscribe: CommandSpec(subscribe.run, AUTHENTICATED),
    parser.List: CommandSpec(list_.run, AUTHENTICATED),
    parser.Lsub: CommandSpec(lsub.run, AUTHENTICATED),
    parser.Namespace: CommandSpec(namespace.run, AUTHENTICATED),
    parser.Status: CommandSpec(status.run, AUTHENTICATED),
    parser.Append: CommandSpec(append.run, AUTHENTICATED),
    parser.Idle: CommandSpec(idle.run, AUTHENTICATED),
    parser.Check: CommandSpec(check.run, SELECTED),
    parser.Close: CommandSpec(close.run, SELECTED),
    parser.Unselect: CommandSpec(unselect.run, SELECTED),
    parser.Expunge: CommandSpec(expunge.run, SELECTED),
    parser.Search: CommandSpec(search.run, SELECTED, _with_uid),
    parser.Fetch: CommandSpec(fetch.run, SELECTED, _with_uid),
    parser.Store: CommandSpec(store.run, SELECTED, _with_uid),
    parser.Copy: CommandSpec(copy.run, SELECTED, _with_uid),
    parser.Move: CommandSpec(move.run, SELECTED),  # RFC 6851 §3.3: MOVE sends its own expunges
    parser.Sort: CommandSpec(sort.run, SELECTED, _with_uid),
    parser.Thread: CommandSpec(thread.run, SELECTED, _with_uid),
}
