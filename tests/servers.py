"""Real servers for protocol tests: our SMTP listeners on 127.0.0.1:0 over a fresh store and a test PKI.

Use `smtp_settings(...)` to build the settings of an instance (domain `example.test`, patients in
`patient.example.test`, the PKI's server certificate, anchors and CRLs), `whitelist_xml(...)` to write a national
whitelist document, and `async with running_smtp(settings, store, ...) as smtp:` to get the bound ports
(`smtp.ports["mx"]`, `["submission"]`, `["submissions"]`). Shared by the SMTP, queue and IMAP tests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ssl
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from mailserver.config import Settings
from mailserver.config.loader import parse_document
from mailserver.crypto.pki import IssuedCertificate
from mailserver.crypto.tls import client_context
from mailserver.delivery.trust.lists import import_document
from mailserver.smtp.listeners import SmtpListeners, build
from mailserver.store import Store, utcnow
from mailserver.store.trust import TrustStore
from tests.pki_fixtures import PKIFixture

DOMAIN = "example.test"
PATIENT_DOMAIN = "patient.example.test"


def smtp_settings(
    base_dir: Path, pki: PKIFixture, *, crls: Sequence[str] | None = None, **sections: dict[str, Any]
) -> Settings:
    """Settings of a test instance listening on 127.0.0.1:0; `sections` override keys (`auth={...}`)."""
    document: dict[str, dict[str, Any]] = {
        "instance": {"domain": DOMAIN, "patient_domain": PATIENT_DOMAIN, "hostname": pki.hostname},
        "tls": {"certificate": str(pki.server.cert_path), "private_key": str(pki.server.key_path)},
        "trust": {
            "anchors": [str(pki.root_ca), str(pki.org_ca)],
            "crls": list(crls) if crls is not None else [str(pki.org_crl), str(pki.root_crl)],
        },
        "log": {"format": "text"},
    }
    listen = {"mx": "127.0.0.1:0", "submission": "127.0.0.1:0", "submissions": "127.0.0.1:0"}
    for name, values in sections.items():
        values = dict(values)
        if name == "smtp":
            listen.update({k: values.pop(k) for k in list(values) if k in listen})
        document.setdefault(name, {}).update(values)
    settings = parse_document(document, str(base_dir))
    # Port 0 (any free port) is not a valid configuration value, so listen addresses are set after validation.
    return dataclasses.replace(settings, smtp=dataclasses.replace(settings.smtp, **listen))


def whitelist_xml(entries: Iterable[tuple[str, str]], generated_at: str = "2025-03-13T14:54:10Z") -> bytes:
    """A document in the national format with (domain, DN) entries."""
    items = "".join(
        f"<Domaine><Nom>{escape(d)}</Nom><Description>test</Description>"
        f"<DNCertificatOperateur>{escape(dn)}</DNCertificatOperateur>"
        f"<ResponsableContact>x</ResponsableContact><SupportContact>y</SupportContact>"
        f"<DateMAJ>{generated_at}</DateMAJ></Domaine>"
        for d, dn in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">'
        f"<DateDeGeneration>{generated_at}</DateDeGeneration><ListeDomaines>{items}</ListeDomaines>"
        "</ListeBlancheMSSante>"
    ).encode()


async def trust(store: Store, entries: Iterable[tuple[str, str]]) -> None:
    """Make `entries` the trust space of `store`."""
    await import_document(TrustStore(store.engine, utcnow), whitelist_xml(entries), "test.xml", force=True)


def client_tls(pki: PKIFixture, certificate: IssuedCertificate | None = None) -> ssl.SSLContext:
    """A client context trusting `pki`, presenting `certificate` when given (host names are not checked)."""
    if certificate is None:
        return client_context(anchors=[pki.root_ca], check_hostname=False)
    return client_context(
        anchors=[pki.root_ca], cert_path=certificate.cert_path, key_path=certificate.key_path, check_hostname=False
    )


@contextlib.asynccontextmanager
async def running_smtp(settings: Settings, store: Store, **seams: Any) -> AsyncIterator[SmtpListeners]:
    """Our SMTP listeners on the running loop; `seams` go to `mailserver.smtp.listeners.build` (outbound,
    reports, pharmacies, auth_base_delay...). The failed-login delay defaults to none."""
    seams.setdefault("auth_base_delay", 0.0)
    listeners = await build(settings, store, **seams)
    try:
        yield listeners
    finally:
        await listeners.close()
