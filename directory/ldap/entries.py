"""The LDAP view of a directory entry: its DN and its public attributes.

Owns the attribute set served to address books (RFC 4519 / RFC 2798 inetOrgPerson names): mail, cn, sn,
givenName, o, title and, for mailboxes that have valid S/MIME certificates, userCertificate;binary (DER,
RFC 4523). It never adds userPassword or any attribute from credential tables, and callers never pass it a
liste_rouge or gone entry.
"""

from __future__ import annotations

from directory.records import Certificate, MailboxEntry

Attributes = list[tuple[bytes, list[bytes]]]


def entry_dn(address: str, base_dn: str) -> str:
    return f"mail={_escape_rdn_value(address)},{base_dn}"


def _escape_rdn_value(value: str) -> str:  # RFC 4514 §2.4
    escaped = "".join("\\" + c if c in ',+"\\<>;=' else c for c in value)
    if escaped.startswith(("#", " ")):
        escaped = "\\" + escaped
    return escaped


def attributes(entry: MailboxEntry, certificates: list[Certificate]) -> Attributes:
    p, o = entry.practitioner, entry.organisation
    sn = (p.family_name if p and p.family_name else "") or entry.display_name
    values: list[tuple[str, list[str]]] = [
        ("objectClass", ["top", "person", "organizationalPerson", "inetOrgPerson"]),
        ("mail", [entry.address]),
        ("cn", [entry.display_name]),
        ("sn", [sn]),
    ]
    if p and p.given_name:
        values.append(("givenName", [p.given_name]))
    if o and (o.legal_name or o.trade_name):
        values.append(("o", [o.legal_name or o.trade_name]))
    if p and p.profession_label:
        values.append(("title", [p.profession_label]))
    encoded: Attributes = [(k.encode(), [v.encode("utf-8") for v in vs]) for k, vs in values]
    ders = [c.der for c in certificates if c.usage in ("encryption", "signing")]
    if ders:
        encoded.append((b"userCertificate;binary", ders))
    return encoded


def select_attributes(attrs: Attributes, requested: list[bytes], types_only: bool) -> Attributes:
    """The attributes a search asked for (all user attributes for none or "*"), names matched case-insensitively;
    asking for `userCertificate` returns `userCertificate;binary`."""
    wanted = {r.decode("utf-8", "replace").lower() for r in requested}
    if wanted and "*" not in wanted:
        wanted |= {w + ";binary" for w in wanted}
        attrs = [(k, v) for k, v in attrs if k.decode().lower() in wanted]
    if types_only:
        return [(k, []) for k, _ in attrs]
    return attrs
