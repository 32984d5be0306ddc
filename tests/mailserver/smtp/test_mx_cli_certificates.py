"""The MX audit cases with certificates made by the operator's own tool: `caducee pki create`, `caducee pki issue
server --not-after <past>` for an expired one, `caducee pki issue` then `caducee pki revoke` for a revoked one."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from mailserver.cli import main
from mailserver.crypto.names import subject_dn_string
from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.tls import client_context
from mailserver.store import Store
from tests.mailserver.smtp.conftest import populate
from tests.mailserver.smtp.test_mx_audit import mx_send, status
from tests.pki_fixtures import PKIFixture
from tests.servers import running_smtp, smtp_settings, trust


@pytest.fixture(scope="module")
def cli_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-pki") / "pki"
    commands = [
        ["pki", "create", "--pki", str(folder), "--organisation", "Operateur CLI", "--structure-id", "1750000001"],
        ["pki", "issue", "server", "--pki", str(folder), "--hostname", "mx.cli.test", "--name", "valid"],
        [
            "pki",
            "issue",
            "server",
            "--pki",
            str(folder),
            "--hostname",
            "old.cli.test",
            "--name",
            "expired",
            "--not-before",
            "2024-01-01",
            "--not-after",
            "2024-06-01",
        ],
        ["pki", "issue", "server", "--pki", str(folder), "--hostname", "stolen.cli.test", "--name", "revoked"],
        ["pki", "revoke", "--pki", str(folder), "--reason", "keyCompromise", str(folder / "revoked.pem")],
    ]
    for command in commands:
        assert main(command) == 0, command
    return folder


def dn(path: Path) -> str:
    return subject_dn_string(read_certificates(path)[0])


@pytest.mark.parametrize(
    ("name", "expected"), [("valid", "250 2.0.0"), ("expired", "550 5.7.1"), ("revoked", "550 5.7.1")]
)
async def test_certificates_from_caducee_pki_issue(
    store: Store, dev_pki: PKIFixture, cli_pki: Path, tmp_path: Path, name: str, expected: str
) -> None:
    await populate(store, dev_pki)
    await trust(store, [("cli.test", dn(cli_pki / f"{n}.pem")) for n in ("valid", "expired", "revoked")])
    settings = smtp_settings(tmp_path, dev_pki)
    settings = dataclasses.replace(
        settings,
        trust=dataclasses.replace(
            settings.trust,
            anchors=(*settings.trust.anchors, str(cli_pki / "root-ca.pem"), str(cli_pki / "org-ca.pem")),
            crls=(*settings.trust.crls, str(cli_pki / "org-ca.crl.pem"), str(cli_pki / "root-ca.crl.pem")),
        ),
    )
    tls = client_context(
        anchors=[dev_pki.root_ca],
        cert_path=cli_pki / f"{name}.pem",
        key_path=cli_pki / f"{name}.key",
        check_hostname=False,
    )
    async with running_smtp(settings, store) as smtp:
        replies = await asyncio.to_thread(mx_send, smtp.ports["mx"], tls, mail_from="relay@cli.test")
    assert status(replies[-1]) == expected
    if name != "valid":
        assert name.encode() in replies[-1][1]
