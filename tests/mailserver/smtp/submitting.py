"""Submitting with smtplib as a logged-in user: the replies to MAIL, each RCPT and DATA, for assertions."""

from __future__ import annotations

import asyncio
import smtplib

from tests.mailserver.smtp.conftest import Instance
from tests.servers import client_tls


def _submit(
    instance: Instance,
    user: str,
    password: str,
    mail_from: str,
    rcpts: tuple[str, ...],
    message: bytes,
    rcpt_options: tuple[str, ...],
    mail_options: tuple[str, ...],
) -> list[tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", instance.submission, timeout=20) as client:
        client.starttls(context=client_tls(instance.pki))
        client.ehlo("client.example.test")
        client.login(user, password)
        replies = [client.mail(mail_from, list(mail_options))]
        if replies[0][0] != 250:
            return replies
        replies += [client.rcpt(r, list(rcpt_options)) for r in rcpts]
        if any(code == 250 for code, _ in replies[1:]):
            replies.append(client.data(message))
        return replies


async def submit(
    instance: Instance,
    user: str,
    password: str,
    rcpts: tuple[str, ...],
    message: bytes,
    *,
    mail_from: str | None = None,
    rcpt_options: tuple[str, ...] = (),
    mail_options: tuple[str, ...] = (),
) -> list[str]:
    """Replies as "code enhanced" strings, e.g. ["250 2.1.0", "250 2.1.5", "250 2.0.0"]."""
    replies = await asyncio.to_thread(
        _submit, instance, user, password, mail_from or user, rcpts, message, rcpt_options, mail_options
    )
    return [f"{code} {text.decode().split(' ', 1)[0]}" for code, text in replies]


def last_text(replies: list[tuple[int, bytes]]) -> str:
    return replies[-1][1].decode()
