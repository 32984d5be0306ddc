"""One IMAP session: the state machine between the framer, the parser and the command modules (RFC 3501 §3).

Owns the session's state (not authenticated, authenticated, selected, logout), who is logged in and which
mailboxes they may open, the selected folder, the extensions the client enabled, the continuation a command waits
for (AUTHENTICATE, IDLE), and the order of what is written: a command's own responses, then the updates the client
is owed (`updates.refresh`, with expunges only where RFC 3501 §7.4.1 allows them), then the tagged completion.
Malformed input is answered BAD and the session goes on; an unexpected error in a command is `NO [SERVERBUG]`
with an incident id in the log, never a dropped connection. Never touches a socket (`Channel` does) and never
decides what a command does (its module does).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mailserver.auth.identity import Identity
from mailserver.imap import failures, replies, updates, wire
from mailserver.imap.capabilities import CapabilityFacts, capability_text
from mailserver.imap.channel import Channel, Output
from mailserver.imap.commands import REGISTRY
from mailserver.imap.parser import (
    CommandFramer,
    CommandReady,
    ContinuationLine,
    ContinuationRequest,
    ParseError,
    RawCommand,
    Refused,
    parse_command,
)
from mailserver.imap.pending import Pending
from mailserver.imap.places import Places
from mailserver.imap.replies import Reply
from mailserver.imap.selected import SelectedFolder
from mailserver.imap.services import ImapServices
from mailserver.imap.states import SELECTED, State
from mailserver.store.records import Mailbox


@dataclass
class User:
    identity: Identity
    mailbox: Mailbox  # the personal namespace
    places: Places

    @property
    def actor(self) -> str:
        """Who the audit trace names: the login address, the national id or the certificate subject."""
        return self.identity.subject


class Session:
    def __init__(self, services: ImapServices, channel: Channel, *, starttls: bool = False) -> None:
        self.services = services
        self.channel = channel
        self.out = Output(channel)
        self.framer = CommandFramer(services.limits.framing(authenticated=False))
        self.state = State.NOT_AUTHENTICATED
        self.user: User | None = None
        self.selected: SelectedFolder | None = None
        self.enabled: set[str] = set()
        self.starttls_offered = starttls
        self.trace = uuid.uuid4().hex[:16]
        self.closed = False
        self.lock = asyncio.Lock()  # a command and an IDLE push never change the selected folder together
        self.pending: Pending | None = None
        self.stop_idle: Callable[[], Awaitable[None]] | None = None
        self._registered_user: str | None = None
        self._bad_in_a_row = 0

    # ---------------------------------------------------------------- facts commands read
    @property
    def condstore(self) -> bool:
        return "CONDSTORE" in self.enabled

    @property
    def qresync(self) -> bool:
        return "QRESYNC" in self.enabled

    @property
    def utf8(self) -> bool:
        return "UTF8=ACCEPT" in self.enabled

    def capability_text(self) -> str:
        auth = self.services.authenticator
        tls = self.channel.tls_active
        return capability_text(
            CapabilityFacts(
                authenticated=self.user is not None,
                tls_active=tls,
                starttls_offered=self.starttls_offered and self.services.tls_context is not None,
                oauth=auth.offers_oauth,
                external=tls and auth.offers_certificates and bool(self.channel.peer_certificates()),
                append_limit=self.services.limits.max_literal_size,
            )
        )

    def mailbox_name(self, name: str) -> bytes:
        return wire.mailbox_name(name, utf8=self.utf8)

    # ---------------------------------------------------------------- life cycle
    async def start(self) -> None:
        self.services.registry.sessions.add(self)
        self.out.write(replies.GREETING.with_code(f"CAPABILITY {self.capability_text()}").line(None))
        await self.out.flush()

    async def receive(self, data: bytes) -> None:
        """Bytes from the client: frame, parse and run every complete command, then write what is owed."""
        if self.closed:
            return
        self.framer.feed(data)
        while not self.closed:
            event = self.framer.next_event()
            if event is None:
                break
            if isinstance(event, CommandReady):
                await self._command(event.command)
            elif isinstance(event, ContinuationRequest):
                self.out.write(replies.CONTINUE_LITERAL)  # RFC 3501 §7.5
                await self.out.flush()
            elif isinstance(event, ContinuationLine):
                await self._continuation(event.line)
            elif isinstance(event, Refused):
                await self._refused(event)
        if not self.closed:
            await self.out.flush()

    async def timed_out(self) -> None:
        await self.bye(replies.BYE_IDLE_TIMEOUT)

    async def bye(self, text: str) -> None:
        """`* BYE text`, then close (RFC 3501 §7.1.5)."""
        if self.closed:
            return
        self.out.write(b"* BYE " + text.encode("utf-8") + b"\r\n")
        try:
            await self.out.flush()
        finally:
            await self.close()

    async def close(self) -> None:
        """End the session: stop IDLE, forget the selected folder, free the user's session slot, close."""
        if self.closed:
            return
        self.closed = True
        self.state = State.LOGOUT
        if self.stop_idle is not None:
            stop, self.stop_idle = self.stop_idle, None
            await stop()
        self.deselect()
        if self._registered_user is not None:
            self.services.registry.release(self._registered_user)
            self._registered_user = None
        self.services.registry.sessions.discard(self)
        self.channel.close()

    async def folder_gone(self) -> None:
        await self.bye(replies.BYE_FOLDER_GONE)

    # ---------------------------------------------------------------- state changes commands make
    async def log_in(self, identity: Identity, mailbox: Mailbox) -> Reply:
        """Enter the authenticated state as `identity`, with `mailbox` as the personal namespace."""
        if not self.services.registry.acquire(identity.subject):
            self.services.log.info("session limit reached", extra={"trace": self.trace, "user": identity.subject})
            return replies.TOO_MANY_SESSIONS
        self._registered_user = identity.subject
        places = await Places.load(self.services.view.directory, mailbox.id)
        self.user = User(identity, mailbox, places)
        self.state = State.AUTHENTICATED
        self.framer.set_limits(self.services.limits.framing(authenticated=True))
        self.services.log.info(
            "logged in", extra={"trace": self.trace, "user": identity.subject, "mechanism": identity.mechanism}
        )
        return replies.LOGGED_IN.with_code(f"CAPABILITY {self.capability_text()}")

    def select(self, selected: SelectedFolder) -> None:
        self.deselect()
        self.selected = selected
        self.state = State.SELECTED

    def deselect(self) -> None:
        if self.selected is not None:
            self.selected.close()
            self.selected = None
        if self.state is State.SELECTED:
            self.state = State.AUTHENTICATED

    def wait_for_line(self, pending: Pending) -> None:
        """The next line is a continuation for `pending` (IDLE's DONE, a SASL response), not a command."""
        self.pending = pending
        self.framer.expect_continuation()

    # ---------------------------------------------------------------- commands
    async def _command(self, raw: RawCommand) -> None:
        try:
            tagged = parse_command(raw, utf8=self.utf8)
        except ParseError as error:
            self.out.write(wire.error_response(error))
            await self._count(error.status)
            return
        spec = REGISTRY[type(tagged.command)]
        name = type(tagged.command).__name__.upper()
        if self.state not in spec.states:
            refusal = replies.BAD_NOT_SELECTED if spec.states == SELECTED else replies.BAD_STATE
            await self.finish(tagged.tag, refusal, expunges_allowed=False)
            return
        async with self.lock:
            if spec.states == SELECTED:
                await self._catch_up()
            try:
                reply = await spec.run(self, tagged.tag, tagged.command)
            except Exception as error:
                reply = failures.reply_for(error, self.services.log, self.trace, name)
            if reply is not None:  # None: the command goes on with a continuation
                await self.finish(tagged.tag, reply, expunges_allowed=spec.expunges_allowed(tagged.command))

    async def _catch_up(self) -> None:
        """Before a command on messages: what the change feed announced is applied (flags, new messages), so
        FETCH, SEARCH and STORE work on current data; expunges wait (the client's numbering must not move)."""
        try:
            await updates.refresh(self, expunges_allowed=False)
        except Exception as error:
            failures.reply_for(error, self.services.log, self.trace, "refresh")

    async def finish(self, tag: str, reply: Reply, *, expunges_allowed: bool = True) -> None:
        """Write the updates the client is owed, then the tagged completion."""
        if self.closed:
            return
        if self.selected is not None:
            try:
                await updates.refresh(self, expunges_allowed=expunges_allowed)
            except Exception as error:  # the command's own outcome stands; the next command tries again
                failures.reply_for(error, self.services.log, self.trace, "refresh")
        if self.closed:
            return
        self.out.write(reply.line(tag))
        if self.state is State.LOGOUT:
            await self.out.flush()
            await self.close()
            return
        await self._count(reply.status)

    async def _continuation(self, line: bytes) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:  # not under `lock`: IDLE's push loop must be able to finish its update while DONE stops it
            reply = await pending.on_line(line)
        except Exception as error:
            reply = failures.reply_for(error, self.services.log, self.trace, "continuation")
        if reply is not None:
            async with self.lock:
                await self.finish(pending.tag, reply)

    async def _refused(self, event: Refused) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:  # the continuation line itself was refused: the waiting command ends with it
            if pending.on_abort is not None:
                await pending.on_abort()
            self.out.write(wire.status_response(pending.tag, event.status, event.text, event.code))
        else:
            self.out.write(wire.error_response(event))
        if event.fatal:
            await self.bye(replies.BYE_TOO_LARGE)
            return
        await self._count(event.status)

    async def _count(self, status: str) -> None:
        """Consecutive BAD answers: a client that only sends garbage is sent away."""
        self._bad_in_a_row = self._bad_in_a_row + 1 if status == "BAD" else 0
        if self._bad_in_a_row >= self.services.limits.max_bad_commands:
            await self.bye(replies.BYE_TOO_MANY_ERRORS)
