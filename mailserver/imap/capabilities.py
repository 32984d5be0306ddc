"""The CAPABILITY list, which depends on the session's state and on TLS (RFC 3501 §6.1.1, §7.2.1).

Owns which capabilities are announced when. Before TLS on the STARTTLS listener: STARTTLS and LOGINDISABLED, and
no SASL mechanism (RFC 3501 §6.2.3, RFC 9051 §6.2.3: credentials never travel in clear). Under TLS before login:
the SASL mechanisms the authenticator offers (PLAIN always, XOAUTH2 and OAUTHBEARER with OIDC configured, EXTERNAL
when the client presented a certificate). After login: every extension the commands implement. Never lists an
extension that is not implemented for real.
"""

from __future__ import annotations

from dataclasses import dataclass

# Announced in every state.
BASE = ("IMAP4rev1", "SASL-IR", "ID", "ENABLE", "LITERAL+")

# Announced once authenticated (each implemented by a module of `commands`).
EXTENSIONS = (
    "IDLE",  # RFC 2177
    "NAMESPACE",  # RFC 2342
    "UIDPLUS",  # RFC 4315
    "MOVE",  # RFC 6851
    "SPECIAL-USE",  # RFC 6154
    "CREATE-SPECIAL-USE",  # RFC 6154 §3
    "CHILDREN",  # RFC 3348
    "LIST-EXTENDED",  # RFC 5258
    "LIST-STATUS",  # RFC 5819
    "UNSELECT",  # RFC 3691
    "ESEARCH",  # RFC 4731
    "CONDSTORE",  # RFC 7162
    "QRESYNC",  # RFC 7162
    "SORT",  # RFC 5256
    "THREAD=REFERENCES",  # RFC 5256
    "THREAD=ORDEREDSUBJECT",  # RFC 5256
    "UTF8=ACCEPT",  # RFC 6855
    "STATUS=SIZE",  # RFC 8438
)


@dataclass(frozen=True, slots=True)
class CapabilityFacts:
    authenticated: bool
    tls_active: bool
    starttls_offered: bool  # the plain listener, before TLS
    oauth: bool
    external: bool  # a client certificate was presented
    append_limit: int


def capabilities(facts: CapabilityFacts) -> list[str]:
    caps = list(BASE)
    if facts.authenticated:
        return [*caps, *EXTENSIONS, f"APPENDLIMIT={facts.append_limit}"]  # RFC 7889
    if not facts.tls_active:
        if facts.starttls_offered:
            caps.append("STARTTLS")
        caps.append("LOGINDISABLED")
        return caps
    caps.append("AUTH=PLAIN")
    if facts.oauth:
        caps += ["AUTH=XOAUTH2", "AUTH=OAUTHBEARER"]
    if facts.external:
        caps.append("AUTH=EXTERNAL")
    return caps


def capability_text(facts: CapabilityFacts) -> str:
    return " ".join(capabilities(facts))
