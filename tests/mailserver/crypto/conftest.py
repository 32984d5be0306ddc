"""Fixtures of the crypto tests: the session PKIs of `tests.pki_fixtures`."""

from __future__ import annotations

from tests.pki_fixtures import dev_pki, foreign_pki, scratch_pki, scratch_pki_template

__all__ = ["dev_pki", "foreign_pki", "scratch_pki", "scratch_pki_template"]
