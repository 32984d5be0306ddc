"""The closed list of command groups. Each module has `register(subparsers)` that adds its commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from mailserver.cli import config_cmd

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

REGISTRY: list[Register] = [
    config_cmd.register,
]
