"""The INS (Identifiant National de Santé) matricule: format and control key (DOMAIN.md §7).

15 characters: 13 of the NIR/NIA (sex, year, month, département with 2A/2B for Corsica, commune, order)
and a 2-digit key = 97 - (N mod 97), where N is the 13 characters read as a number with 2A read as 19 and
2B as 18. Months outside 01-12 exist in real identities: we validate the key, not the calendar.
Error texts never repeat the INS itself (it is patient data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SHAPE = re.compile(r"[12378][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}")
_CORSICA = {"2A": "19", "2B": "18"}


@dataclass(frozen=True)
class InsCheck:
    valid: bool
    reason: str = ""


def control_key(first13: str) -> int:
    """The INS/NIR key of the first 13 characters (with 2A/2B at positions 6-7)."""
    dept = first13[5:7].upper()
    digits = first13[:5] + _CORSICA.get(dept, dept) + first13[7:]
    return 97 - int(digits) % 97


def check_ins(value: str) -> InsCheck:
    """Whether `value` is a well-formed INS with a correct key; `reason` says why not, without the value."""
    if len(value) != 15:
        return InsCheck(False, f"an INS has 15 characters, not {len(value)}")
    upper = value.upper()
    if not _SHAPE.fullmatch(upper):
        if not upper[0].isdigit() or upper[0] not in "12378":
            return InsCheck(False, "an INS starts with the sex digit (1 or 2; 3, 7 or 8 for temporary numbers)")
        return InsCheck(False, "an INS is made of digits, with 2A or 2B only as the Corsican département")
    if control_key(upper[:13]) != int(upper[13:]):
        return InsCheck(False, "the INS control key does not match")
    return InsCheck(True)


def normalise_ins(value: str) -> str:
    """The canonical form (upper-case 2A/2B) of an INS; call `check_ins` first."""
    return value.strip().upper()
