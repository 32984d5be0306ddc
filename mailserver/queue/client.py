"""The sending client: one SMTP transaction to another operator over mutual TLS (aiosmtplib, on our loop).

Owns the conversation with a next hop: EHLO, STARTTLS with our certificate (mandatory: a server that does not
offer it, or a handshake that fails, is a temporary failure, never a reason to send in clear), the peer check
(`peer.PeerCheck`: whitelist DN for the recipient domain, revocation), then MAIL/RCPT/DATA with the RFC 3461 DSN
parameters when the server offers DSN, and the reading of each reply into a per-recipient result. Hops are tried
in order until one takes the transaction. Never touches the store, never decides retry times or DSNs.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import aiosmtplib

from mailserver.crypto.tls import peer_chain
from mailserver.queue import xtext
from mailserver.queue.peer import PeerCheck
from mailserver.queue.routing import NextHop

log = logging.getLogger("caducee.queue.client")
Kind = Literal["delivered", "temporary", "permanent"]


@dataclass(frozen=True)
class TxRecipient:
    address: str
    notify: str | None = None  # stored form, "SUCCESS,DELAY"
    orcpt: str | None = None


@dataclass(frozen=True)
class Transaction:
    mail_from: str
    recipients: tuple[TxRecipient, ...]
    raw: bytes
    ret: str | None = None
    envid: str | None = None


@dataclass(frozen=True)
class RecipientResult:
    address: str
    kind: Kind
    reply: str  # "250 2.0.0 Ok", or a description of the network failure


@dataclass(frozen=True)
class SendResult:
    results: tuple[RecipientResult, ...]
    remote: str | None = None  # the host that answered the transaction
    dsn_offered: bool = False


class _HopFailed(Exception):
    """This hop could not take the transaction (network, TLS, peer refused): try the next one."""


class OperatorClient:
    def __init__(self, tls: ssl.SSLContext, peer: PeerCheck, helo: str, *, timeout: float = 60.0) -> None:
        self._tls = tls
        self._peer = peer
        self._helo = helo
        self._timeout = timeout

    async def send(self, domain: str, hops: Sequence[NextHop], tx: Transaction) -> SendResult:
        """Deliver `tx` (recipients all in `domain`) through the first hop that takes it."""
        problem = "no next hop"
        for hop in hops:
            try:
                return await self._through(domain, hop, tx)
            except _HopFailed as exc:
                problem = f"{hop}: {exc}"
                log.info("hop failed", extra={"hop": str(hop), "domain": domain, "reason": str(exc)})
        return _all(tx, "temporary", problem)

    async def _through(self, domain: str, hop: NextHop, tx: Transaction) -> SendResult:
        smtp = aiosmtplib.SMTP(
            hostname=hop.host,
            port=hop.port,
            local_hostname=self._helo,
            timeout=self._timeout,
            start_tls=False,  # we ask for STARTTLS ourselves, and refuse to go on without it
            tls_context=self._tls,
        )
        try:
            await self._secure(smtp, domain, hop)
            return await self._transaction(smtp, hop, tx)
        except (TimeoutError, aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise _HopFailed(_describe(exc)) from None
        finally:
            if smtp.is_connected:
                try:
                    await smtp.quit()
                except (TimeoutError, aiosmtplib.SMTPException, OSError):
                    smtp.close()

    async def _secure(self, smtp: aiosmtplib.SMTP, domain: str, hop: NextHop) -> None:
        await smtp.connect()
        await smtp.ehlo()
        if not smtp.supports_extension("starttls"):
            raise _HopFailed("the server does not offer STARTTLS (no plaintext fallback)")  # DESIGN.md §6
        await smtp.starttls(tls_context=self._tls, server_hostname=hop.host)  # RFC 3207
        ssl_object = smtp.get_transport_info("ssl_object")
        chain = peer_chain(ssl_object) if ssl_object is not None else []
        reason = await self._peer.refuse_reason(domain, chain)
        if reason is not None:
            raise _HopFailed(reason)
        await smtp.ehlo()  # RFC 3207 §4.2: forget what was learnt before TLS

    async def _transaction(self, smtp: aiosmtplib.SMTP, hop: NextHop, tx: Transaction) -> SendResult:
        dsn = smtp.supports_extension("dsn")
        utf8 = not (tx.mail_from.isascii() and all(r.address.isascii() for r in tx.recipients))
        encoding = "utf-8" if utf8 else "ascii"
        mail_options = []
        if smtp.supports_extension("size"):
            mail_options.append(f"SIZE={len(tx.raw)}")  # RFC 1870
        if smtp.supports_extension("8bitmime") and any(b > 127 for b in tx.raw):
            mail_options.append("BODY=8BITMIME")  # RFC 6152
        if utf8:
            if not smtp.supports_extension("smtputf8"):
                return _all(tx, "permanent", "553 5.6.7 the next hop does not accept UTF-8 addresses", hop)
            mail_options.append("SMTPUTF8")  # RFC 6531
        if dsn and tx.ret:
            mail_options.append(f"RET={tx.ret}")  # RFC 3461 §4.3
        if dsn and tx.envid:
            mail_options.append(f"ENVID={xtext.encode(tx.envid)}")  # RFC 3461 §4.4
        try:
            await smtp.mail(tx.mail_from, options=mail_options, encoding=encoding)
        except aiosmtplib.SMTPResponseException as exc:
            return _all(tx, _kind(exc.code), _reply(exc.code, exc.message), hop, dsn)
        results: dict[str, RecipientResult] = {}
        accepted: list[TxRecipient] = []
        for r in tx.recipients:
            options = []
            if dsn and r.notify:
                options.append(f"NOTIFY={r.notify}")  # RFC 3461 §4.1
            if dsn and r.orcpt:
                options.append(xtext.orcpt_param(r.orcpt))  # RFC 3461 §4.2
            try:
                await smtp.rcpt(r.address, options=options, encoding=encoding)
            except aiosmtplib.SMTPResponseException as exc:
                results[r.address] = RecipientResult(r.address, _kind(exc.code), _reply(exc.code, exc.message))
            else:
                accepted.append(r)
        if accepted:
            try:
                reply = await smtp.data(tx.raw)
            except aiosmtplib.SMTPResponseException as exc:
                for r in accepted:
                    results[r.address] = RecipientResult(r.address, _kind(exc.code), _reply(exc.code, exc.message))
            else:
                for r in accepted:
                    results[r.address] = RecipientResult(r.address, "delivered", _reply(reply.code, reply.message))
        else:
            await smtp.rset()
        ordered = tuple(results[r.address] for r in tx.recipients)
        return SendResult(ordered, hop.host, dsn)


def _kind(code: int) -> Kind:
    return "permanent" if 500 <= code < 600 else "temporary"  # RFC 5321 §4.2.1


def _reply(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _reply(exc.code, exc.message)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: server certificate refused ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed ({exc.reason or exc})"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def _all(tx: Transaction, kind: Kind, reply: str, hop: NextHop | None = None, dsn: bool = False) -> SendResult:
    return SendResult(
        tuple(RecipientResult(r.address, kind, reply) for r in tx.recipients), hop.host if hop else None, dsn
    )
