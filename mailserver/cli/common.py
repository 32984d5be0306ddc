"""Arguments shared by several command groups."""

from __future__ import annotations

import argparse
import os

DEFAULT_CONFIG = "caducee.toml"


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """`-c FILE`: the configuration file (default: $CADUCEE_CONFIG, else ./caducee.toml)."""
    parser.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        default=os.environ.get("CADUCEE_CONFIG", DEFAULT_CONFIG),
        help="configuration file (default: $CADUCEE_CONFIG or ./caducee.toml)",
    )
