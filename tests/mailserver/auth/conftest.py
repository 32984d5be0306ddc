"""Fixtures of the auth tests: the session PKIs."""

from __future__ import annotations

from tests.pki_fixtures import dev_pki, foreign_pki

__all__ = ["dev_pki", "foreign_pki"]
