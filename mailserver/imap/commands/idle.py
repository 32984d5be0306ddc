"""IDLE (RFC 2177): `+ idling`, then updates pushed as they happen, until the client sends DONE.

Owns the push loop: it waits on the selected folder's change feed watch (this process's commits at once; other
workers and nodes through LISTEN/NOTIFY or the SQLite poll) and writes EXISTS, FETCH FLAGS and EXPUNGE/VANISHED
as soon as a change is announced (expunges may be told during IDLE). The loop stops at a safe point, never in the
middle of an update, when DONE arrives or the session ends. Anything but DONE ends IDLE with BAD. In the
authenticated state there is nothing to push and IDLE only waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from mailserver.imap import replies, updates
from mailserver.imap.failures import reply_for
from mailserver.imap.parser import Idle, is_idle_done
from mailserver.imap.pending import Pending
from mailserver.imap.replies import Reply, done

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Idle) -> Reply | None:
    idler = _Idler(session)
    session.out.write(replies.CONTINUE_IDLE)
    session.wait_for_line(Pending(tag, idler.on_line, idler.stop))
    session.stop_idle = idler.stop
    idler.task = asyncio.create_task(idler.push())
    return None


class _Idler:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def push(self) -> None:
        session = self.session
        poll = True  # what changed on another node before IDLE began
        while not self.stopping.is_set():
            selected = session.selected
            if selected is None:
                await self.stopping.wait()
                return
            if not poll:
                changed = asyncio.ensure_future(selected.watch.wait())
                stop = asyncio.ensure_future(self.stopping.wait())
                await asyncio.wait({changed, stop}, return_when=asyncio.FIRST_COMPLETED)
                changed.cancel()
                stop.cancel()
                if self.stopping.is_set():
                    return
            async with session.lock:
                try:
                    await updates.refresh(session, expunges_allowed=True, poll=poll)
                    await session.out.flush()
                except (ConnectionError, OSError):
                    return
                except Exception as error:  # logged; IDLE goes on and the next change is tried again
                    reply_for(error, session.services.log, session.trace, "IDLE")
            poll = False

    async def stop(self) -> None:
        self.session.stop_idle = None
        self.stopping.set()
        task = self.task
        if task is not None and task is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def on_line(self, line: bytes) -> Reply:
        await self.stop()
        return done("IDLE") if is_idle_done(line) else replies.BAD_EXPECTED_DONE
