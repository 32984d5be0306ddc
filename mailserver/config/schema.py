"""The configuration schema: every section, every key, its type, default and help text.

Owns the shape of `caducee.toml`. The example file and `caducee init` are rendered from it, and the loader
validates against it. It never reads files or the environment.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024


def setting(default: Any, help: str, *, example: Any = None, required: bool = False) -> Any:
    """A documented key. `example` is what the example file shows when the default is not a useful example."""
    meta = {"help": help, "example": example, "required": required}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class InstanceSettings:
    """Who this operator is."""

    domain: str = setting(
        "",
        "Mail domain of this operator's professionals (e.g. ch-exemple.fr).",
        example="ch-exemple.fr",
        required=True,
    )
    hostname: str = setting(
        "",
        "Public host name of this server (SMTP banner, certificates, DNS). Defaults to mail.<domain>.",
        example="mail.ch-exemple.fr",
    )
    patient_domain: str = setting(
        "",
        "Domain of the patients' mailboxes (<INS>@<patient_domain>). Defaults to patient.<domain>.",
        example="patient.ch-exemple.fr",
    )
    organisation: str = setting("", "Legal name of the operating organisation (certificate O=).", example="CH Exemple")
    structure_id: str = setting(
        "",
        "National structure identifier of the organisation (1+FINESS, 3+SIRET...; certificate OU=).",
        example="1750000000",
    )


@dataclass(frozen=True)
class StoreSettings:
    """Where mail, mailboxes and traces live."""

    url: str = setting(
        "sqlite:///data/caducee.db",
        "Database URL. sqlite:///PATH (relative to this file) for one machine, or "
        "postgresql://USER@HOST/DB for the shared production store.",
    )
    blob_keys: str = setting(
        "keys/blob.keys",
        "File of the AES-256-GCM keys that encrypt message blobs at rest (one 'id:hexkey' a line; the last "
        "line encrypts new blobs, every line decrypts). Keep it out of backups of the database.",
    )
    pool_size: int = setting(10, "Connections kept open to PostgreSQL per worker process.")
    gc_interval: int = setting(
        600,
        "Seconds between two collections of the message bytes no folder refers to any more (expunged, moved "
        "away, their mailbox deleted), in the background of each serving process; 0 never collects.",
    )


@dataclass(frozen=True)
class SmtpSettings:
    """SMTP listeners and their limits. An empty address disables a listener."""

    mx: str = setting("127.0.0.1:2525", "Listen address of the MX, the door for other operators (port 25).")
    submission: str = setting("127.0.0.1:2587", "Listen address of client submission with STARTTLS (port 587).")
    submissions: str = setting("127.0.0.1:2465", "Listen address of client submission with implicit TLS (465).")
    max_message_size: int = setting(25 * MB, "Largest message accepted, in bytes (SIZE, RFC 1870).")
    max_recipients: int = setting(100, "Most recipients in one transaction (RFC 5321 §4.5.3.1.8).")
    max_header_fields: int = setting(1000, "Most header fields in one message.")
    idle_timeout: int = setting(300, "Seconds a session may stay silent before it is closed (RFC 5321 §4.5.3.2).")


@dataclass(frozen=True)
class ImapSettings:
    """IMAP listeners and their limits. An empty address disables a listener."""

    imap: str = setting("127.0.0.1:2143", "Listen address of IMAP with STARTTLS (port 143).")
    imaps: str = setting("127.0.0.1:2993", "Listen address of IMAP with implicit TLS (port 993).")
    idle_timeout: int = setting(1800, "Seconds of inactivity before a session is closed (RFC 9051 asks 30 min).")
    max_literal_size: int = setting(25 * MB, "Largest literal a client may send (APPENDLIMIT), in bytes.")
    max_line_length: int = setting(8192, "Longest command line, in bytes, literals excluded (RFC 7162 §4: 8192).")
    max_sessions_per_user: int = setting(20, "Most simultaneous sessions of one user.")


@dataclass(frozen=True)
class WebSettings:
    """The webmail and HTTP APIs."""

    https: str = setting("127.0.0.1:8443", "Listen address of the webmail and the HTTP APIs (HTTPS).")


@dataclass(frozen=True)
class DirectorySettings:
    """The practitioner directory and its LDAP address book. An empty address disables a listener."""

    ldaps: str = setting(
        "", "Listen address of the LDAP address book with implicit TLS (port 636).", example="127.0.0.1:2636"
    )
    ldap: str = setting("", "Listen address of the LDAP address book with StartTLS (port 389).")
    anonymous_bind: bool = setting(False, "Allow anonymous LDAP searches (off: clients bind with a mailbox).")


@dataclass(frozen=True)
class TlsSettings:
    """This server's own certificate, used by every listener and as the client certificate towards operators."""

    certificate: str = setting("pki/server.pem", "PEM certificate of this server (leaf first, then the chain).")
    private_key: str = setting("pki/server.key", "PEM private key of the certificate above.")


@dataclass(frozen=True)
class TrustSettings:
    """The trust space: who may exchange mail with us."""

    anchors: tuple[str, ...] = setting(
        ("pki/root-ca.pem", "pki/org-ca.pem"),
        "PEM files of the CA certificates that operator and client certificates must chain to "
        "(never the system store). List the intermediate CAs too: peers often send only their leaf.",
    )
    crls: tuple[str, ...] = setting(
        ("pki/org-ca.crl.pem", "pki/root-ca.crl.pem"),
        "Certificate revocation lists (PEM or DER files), one per CA of the anchors: a peer whose "
        "revocation status cannot be known is answered 454 4.7.0. The last valid copy is kept. "
        "The development PKI's CRLs last 7 days: renew them with `caducee pki crl`.",
    )
    url: str = setting("", "URL of the national whitelist (XML) fetched by `caducee trust refresh`.")
    checksum_url: str = setting("", "URL of the published SHA-256 of the whitelist; checked when set.")


@dataclass(frozen=True)
class DkimSettings:
    """DKIM signing of outgoing mail."""

    selector: str = setting("caducee", "DKIM selector (the DNS record is <selector>._domainkey.<domain>).")
    private_key: str = setting("pki/dkim.key", "PEM RSA private key used to sign.")
    sign: bool = setting(True, "Sign mail leaving for other operators.")


@dataclass(frozen=True)
class AuthSettings:
    """How clients authenticate."""

    oidc_issuer: str = setting("", "Issuer (iss) of the OpenID Connect tokens accepted by XOAUTH2/OAUTHBEARER.")
    oidc_audience: str = setting("", "Audience (aud) the tokens must carry.")
    oidc_jwks: str = setting("", "JWKS of the issuer: a file path or an https URL.")
    national_id_claim: str = setting("SubjectNameID", "Token claim that holds the national id (8+RPPS).")
    max_failures: int = setting(5, "Failed attempts per account or client IP before the temporary lockout.")
    lockout_seconds: int = setting(900, "Length of the lockout after too many failures.")


@dataclass(frozen=True)
class QueueSettings:
    """Outbound delivery to other operators."""

    retry_initial: int = setting(300, "Seconds before the first retry.")
    retry_max: int = setting(3600, "Longest wait between retries, in seconds.")
    expire: int = setting(5 * 86400, "Seconds after which an undelivered recipient fails (DSN failure).")
    delay_warning: int = setting(4 * 3600, "Seconds after which a delay DSN is sent once.")
    routes: dict[str, str] = setting(
        {},
        'Pinned next hops: domain = "host:port", used instead of the MX lookup.',
        example={"partenaire.test": "127.0.0.1:2526"},
    )


@dataclass(frozen=True)
class LogSettings:
    """Logging."""

    level: str = setting("INFO", "DEBUG, INFO, WARNING or ERROR.")
    format: str = setting("json", "json (one object a line) or text.")


@dataclass(frozen=True)
class Settings:
    """The whole configuration. `base_dir` is the folder of the file, against which relative paths resolve."""

    instance: InstanceSettings
    store: StoreSettings
    smtp: SmtpSettings
    imap: ImapSettings
    web: WebSettings
    directory: DirectorySettings
    tls: TlsSettings
    trust: TrustSettings
    dkim: DkimSettings
    auth: AuthSettings
    queue: QueueSettings
    log: LogSettings
    base_dir: str = "."


SECTIONS: dict[str, type] = {name: tp for name, tp in typing.get_type_hints(Settings).items() if name != "base_dir"}
