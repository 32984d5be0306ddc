"""SASL messages of the mechanisms we offer, decoded without I/O (RFC 4422 and each mechanism's RFC).

Owns parsing a client's initial response into its parts: PLAIN (RFC 4616: authzid NUL authcid NUL password),
XOAUTH2 (Google's format: `user=` ^A `auth=Bearer <token>` ^A ^A), OAUTHBEARER (RFC 7628 §3.1: a GS2 header
`n,a=<authzid>,` then `auth=Bearer <token>` among ^A-separated key/values) and EXTERNAL (RFC 4422 Appendix A: an
optional authzid). Also builds the RFC 7628 §3.2.2 error challenge. Pure functions, shared by SMTP and IMAP;
a malformed message raises `SaslSyntaxError`, whose text never includes the secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_RESPONSE = 12288  # RFC 4954 §4: an AUTH line (with its base64 response) is at most 12288 octets


class SaslSyntaxError(ValueError):
    """The client's SASL message does not follow the mechanism's syntax."""


@dataclass(frozen=True)
class PasswordCredentials:
    authzid: str
    username: str
    password: str


@dataclass(frozen=True)
class BearerCredentials:
    authzid: str  # the user the client names ("" when none)
    token: str


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SaslSyntaxError(f"{what} is not UTF-8") from None


def parse_plain(message: bytes) -> PasswordCredentials:
    """RFC 4616 §2: [authzid] NUL authcid NUL passwd."""
    parts = message.split(b"\x00")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise SaslSyntaxError("PLAIN needs authzid NUL authcid NUL password")
    return PasswordCredentials(_text(parts[0], "authzid"), _text(parts[1], "authcid"), _text(parts[2], "password"))


def parse_xoauth2(message: bytes) -> BearerCredentials:
    """`user=<user>` ^A `auth=Bearer <token>` ^A ^A (https://developers.google.com/gmail/imap/xoauth2-protocol)."""
    fields = _key_values(_text(message, "XOAUTH2 response").split("\x01"))
    return BearerCredentials(fields.get("user", ""), _bearer(fields))


def parse_oauthbearer(message: bytes) -> BearerCredentials:
    """RFC 7628 §3.1: gs2-header ^A *(kvpair ^A) ^A, where gs2-header is `n,` [`a=` authzid] `,`."""
    text = _text(message, "OAUTHBEARER response")
    header, sep, rest = text.partition("\x01")
    if not sep:
        raise SaslSyntaxError("OAUTHBEARER needs a GS2 header followed by ^A")
    flags = header.split(",")
    if len(flags) < 3 or flags[0] not in ("n", "y") or flags[2] != "":
        raise SaslSyntaxError("OAUTHBEARER GS2 header must be 'n,[a=authzid],'")  # RFC 5801 §4: no channel binding
    authzid = ""
    if flags[1]:
        if not flags[1].startswith("a="):
            raise SaslSyntaxError("OAUTHBEARER GS2 header must be 'n,[a=authzid],'")
        authzid = flags[1][2:].replace("=2C", ",").replace("=3D", "=")  # RFC 5801 §4 saslname
    return BearerCredentials(authzid, _bearer(_key_values(rest.split("\x01"))))


def parse_external(message: bytes) -> str:
    """RFC 4422 Appendix A: the optional authorization identity ("" asks for the one the certificate implies)."""
    return _text(message, "EXTERNAL authzid").strip()


def oauth_error(scope: str = "", openid_configuration: str = "") -> bytes:
    """RFC 7628 §3.2.2 server error message (JSON), sent base64 in a 334 challenge before the final failure."""
    body: dict[str, str] = {"status": "invalid_token"}
    if scope:
        body["scope"] = scope
    if openid_configuration:
        body["openid-configuration"] = openid_configuration
    return json.dumps(body, separators=(",", ":")).encode()


def _key_values(items: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in items:
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise SaslSyntaxError("a key=value pair is malformed")
        fields[key.strip().lower()] = value
    return fields


def _bearer(fields: dict[str, str]) -> str:
    scheme, _, token = fields.get("auth", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SaslSyntaxError("the response has no 'auth=Bearer <token>'")  # RFC 6750 §2.1
    return token.strip()
