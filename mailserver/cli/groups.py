"""The closed list of command groups. Each module has `register(subparsers)` that adds its commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from mailserver.cli import (
    audit_cmd,
    config_cmd,
    directory_cmd,
    instance_cmd,
    mailbox_cmd,
    patient_cmd,
    pki_cmd,
    queue_cmd,
    trust_cmd,
)

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

REGISTRY: list[Register] = [
    instance_cmd.register,
    config_cmd.register,
    mailbox_cmd.register,
    patient_cmd.register,
    audit_cmd.register,
    pki_cmd.register,
    trust_cmd.register,
    queue_cmd.register,
    directory_cmd.register,
]
