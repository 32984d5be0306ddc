"""Translation of LDAP search filters (RFC 4515) into conditions on the directory's mailbox table.

Owns which attributes can be searched and how: `mail` on the address; `cn`, `sn`, `givenName`, `o` and
`title` on their folded columns (accents and case ignored, as in search). A substring filter with only an
initial part on `cn`, `sn` or `givenName` uses the indexed name tokens; other substrings scan (bounded by the
time limit). An unknown attribute matches nothing, `objectClass` presence matches everything, and `!`
negates. Never executes anything.
"""

from __future__ import annotations

from typing import Any

from ldaptor.protocols import pureldap
from sqlalchemy import and_, exists, false, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from directory.models import mailboxes, name_tokens
from directory.normalise import fold
from directory.search import token_prefix

m = mailboxes.c
MAX_DEPTH = 16

FOLDED = {
    "cn": m.cn_norm,
    "sn": m.sn_norm,
    "givenname": m.given_norm,
    "o": m.o_norm,
    "title": m.profession_norm,
}
NAME_ATTRIBUTES = {"cn", "sn", "givenname"}


class UnsupportedFilter(Exception):
    """A filter too deep or of a kind the address book does not answer."""


def text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _normal(attribute: str, value: str) -> str:
    return value.strip().lower() if attribute == "mail" else fold(value)


def _column(attribute: str) -> Any:
    if attribute == "mail":
        return m.address
    return FOLDED.get(attribute)


def to_condition(node: Any, depth: int = 0) -> ColumnElement[bool]:
    """The SQL condition equivalent to the LDAP filter `node`."""
    if depth > MAX_DEPTH:
        raise UnsupportedFilter("filter nested too deep")
    if isinstance(node, pureldap.LDAPFilter_and):
        return and_(true(), *(to_condition(n, depth + 1) for n in node))
    if isinstance(node, pureldap.LDAPFilter_or):
        return or_(false(), *(to_condition(n, depth + 1) for n in node))
    if isinstance(node, pureldap.LDAPFilter_not):
        return not_(to_condition(node.value, depth + 1))
    if isinstance(node, pureldap.LDAPFilter_present):
        attribute = text(node.value).lower()
        if attribute in ("objectclass", "mail", "cn", "sn"):
            return true()
        column = _column(attribute)
        return column != "" if column is not None else false()
    if isinstance(node, pureldap.LDAPFilter_equalityMatch | pureldap.LDAPFilter_approxMatch):
        attribute = text(node.attributeDesc.value).lower()
        value = text(node.assertionValue.value)
        if attribute == "objectclass":
            return true() if value.lower() in OBJECT_CLASSES else false()
        column = _column(attribute)
        if column is None:
            return false()
        return column == _normal(attribute, value)  # type: ignore[no-any-return]
    if isinstance(node, pureldap.LDAPFilter_substrings):
        return _substrings(text(node.type).lower(), node.substrings)
    raise UnsupportedFilter(type(node).__name__)


def _substrings(attribute: str, parts: list[Any]) -> ColumnElement[bool]:
    column = _column(attribute)
    if column is None:
        return false()
    initial = [
        _normal(attribute, text(p.value)) for p in parts if isinstance(p, pureldap.LDAPFilter_substrings_initial)
    ]
    rest = [p for p in parts if not isinstance(p, pureldap.LDAPFilter_substrings_initial)]
    if attribute in NAME_ATTRIBUTES and initial and initial[0] and not rest:
        # "cn=dup*": any word of the name starts with it, through the token index.
        t = name_tokens.alias()
        words = initial[0].split(" ")
        return and_(
            *(exists().where(t.c.kind == "n", t.c.address == m.address, token_prefix(t.c.token, w)) for w in words)
        )
    pattern = ""
    for p in parts:
        value = _like_escape(_normal(attribute, text(p.value)))
        if isinstance(p, pureldap.LDAPFilter_substrings_initial):
            pattern = value + "%"
        elif isinstance(p, pureldap.LDAPFilter_substrings_any):
            pattern = (pattern or "%") + value + "%"
        else:
            pattern = (pattern or "%") + value
    return column.like(pattern, escape="\\")  # type: ignore[no-any-return]


OBJECT_CLASSES = {"top", "person", "organizationalperson", "inetorgperson"}
