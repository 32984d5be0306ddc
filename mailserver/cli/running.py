"""Running a command's coroutine with a loaded configuration and an opened store."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from mailserver import config, runtime
from mailserver.config import Settings
from mailserver.errors import UsageError
from mailserver.store import Store

T = TypeVar("T")


def with_store(config_path: str, action: Callable[[Settings, Store], Awaitable[T]]) -> T:
    settings = config.load(config_path)

    async def go() -> T:
        async with runtime.opened_store(settings) as store:
            return await action(settings, store)

    return asyncio.run(go())


def read_password(from_stdin: bool) -> str | None:
    """A password from one line of standard input, or typed twice at a terminal, or None."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("no password on standard input")
        return line
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            raise UsageError("the two passwords differ")
        return first
    return None
