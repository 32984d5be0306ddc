"""The `caducee` command end to end: init, mailboxes, patients, audit; errors are one line, never a traceback."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mailserver.cli import main


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inst") / "op"
    assert (
        main(
            [
                "init",
                str(folder),
                "--domain",
                "ch-exemple.test",
                "--organisation",
                "CH Exemple",
                "--structure-id",
                "1750000000",
            ]
        )
        == 0
    )
    return folder / "caducee.toml"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailserver", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_init_creates_a_working_instance(instance: Path) -> None:
    folder = instance.parent
    for name in (
        "data/caducee.db",
        "keys/blob.keys",
        "pki/root-ca.pem",
        "pki/org-ca.pem",
        "pki/server.pem",
        "pki/server.key",
        "pki/dkim.key",
    ):
        assert (folder / name).is_file(), name
    assert (folder / "data/caducee.db").stat().st_mode & 0o077 == 0
    assert (folder / "pki/server.key").stat().st_mode & 0o077 == 0
    subject = subprocess.run(
        ["openssl", "x509", "-in", str(folder / "pki/server.pem"), "-noout", "-subject", "-nameopt", "RFC2253"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert subject.strip() == "subject=CN=mail.ch-exemple.test,OU=1750000000,O=CH Exemple,C=FR"  # whitelist form
    verify = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(folder / "pki/root-ca.pem"),
            "-untrusted",
            str(folder / "pki/org-ca.pem"),
            str(folder / "pki/server.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert main(["check-config", "-c", str(instance)]) == 0


def test_init_prints_dns_records_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = run("init", str(tmp_path / "x"), "--domain", "ch-deux.test")
    assert out.returncode == 0, out.stderr
    assert "ch-deux.test. IN MX 10 mail.ch-deux.test." in out.stdout
    assert "patient.ch-deux.test. IN MX" in out.stdout
    assert "_imaps._tcp.ch-deux.test. IN SRV 0 1 993 mail.ch-deux.test." in out.stdout
    assert 'caducee._domainkey.ch-deux.test. IN TXT ( "v=DKIM1; k=rsa; p=' in out.stdout
    again = run("init", str(tmp_path / "x"), "--domain", "ch-deux.test")
    assert again.returncode != 0 and "exists already" in again.stderr and "Traceback" not in again.stderr


def test_mailbox_commands(instance: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = str(instance)
    assert (
        main(
            [
                "mailbox",
                "add",
                "dr.martin@ch-exemple.test",
                "--type",
                "PER",
                "--rpps",
                "10003456789",
                "--name",
                "Dr Martin",
                "-c",
                c,
            ]
        )
        == 0
    )
    assert main(["mailbox", "add", "cardio@ch-exemple.test", "--type", "ORG", "-c", c]) == 0
    assert main(["mailbox", "delegate", "dr.martin@ch-exemple.test", "cardio@ch-exemple.test", "-c", c]) == 0
    assert main(["mailbox", "add", "dr.martin@ch-exemple.test", "--type", "PER", "--rpps", "10003456789", "-c", c]) == 1
    assert main(["mailbox", "add", "dr.nobody@ch-exemple.test", "--type", "PER", "-c", c]) == 2
    assert main(["mailbox", "add", "x@elsewhere.test", "--type", "ORG", "-c", c]) == 1
    capsys.readouterr()
    assert main(["mailbox", "list", "-c", c]) == 0
    listed = capsys.readouterr().out
    assert "dr.martin@ch-exemple.test\tPER\tactive\tDr Martin" in listed
    assert "cardio@ch-exemple.test\tORG" in listed


def test_password_from_stdin_is_checked_by_the_store(instance: Path) -> None:
    c = str(instance)
    out = run(
        "mailbox",
        "add",
        "secretariat@ch-exemple.test",
        "--type",
        "ORG",
        "--password-stdin",
        "-c",
        c,
        stdin="un mot de passe solide\n",
    )
    assert out.returncode == 0, out.stderr
    short = run("mailbox", "passwd", "secretariat@ch-exemple.test", "--password-stdin", "-c", c, stdin="court\n")
    assert short.returncode == 2 and "12 characters" in short.stderr


def test_patient_commands_validate_the_ins_without_echoing_it(
    instance: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c = str(instance)
    base = ["--birth-name", "DUPONT", "--first-names", "Marie Louise", "--birth-date", "1979-03-05", "--sex", "F"]
    assert main(["patient", "add", "279035121518988", *base, "-c", c]) == 2
    err = capsys.readouterr().err
    assert "control key" in err and "279035121518988" not in err
    assert main(["patient", "add", "279035121518989", *base, "--email", "marie@example.org", "-c", c]) == 0
    assert "279035121518989@patient.ch-exemple.test" in capsys.readouterr().out
    assert main(["patient", "add", "253072B07300470", *base, "--birth-date", "1953-07-01", "-c", c]) == 0
    assert main(["patient", "add", "295109912611193", *base[:6], "--sex", "X", "-c", c]) == 2
    assert main(["patient", "oppose", "279035121518989", "-c", c]) == 0
    assert main(["patient", "close", "253072B07300470", "-c", c]) == 0
    capsys.readouterr()
    assert main(["patient", "list", "-c", c]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split("\t")[:2] for ln in lines] == [
        ["253072b07300470@patient.ch-exemple.test", "closed"],  # addresses are stored lower-case
        ["279035121518989@patient.ch-exemple.test", "opposed"],
    ]


def test_audit_verify_names_the_first_edited_entry(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "a"), "--domain", "ch-audit.test"]) == 0
    c = str(tmp_path / "a" / "caducee.toml")
    for i in range(3):
        assert main(["mailbox", "add", f"s{i}@ch-audit.test", "--type", "ORG", "-c", c]) == 0
    ok = run("audit", "verify", "-c", c)
    assert ok.returncode == 0 and "intact: 4 entries" in ok.stdout
    db = sqlite3.connect(tmp_path / "a" / "data" / "caducee.db")
    db.execute("UPDATE audit_log SET target = 'forged@ch-audit.test' WHERE seq = 3")
    db.commit()
    db.close()
    broken = run("audit", "verify", "-c", c)
    assert broken.returncode == 3
    assert "broken at entry 3" in broken.stderr and "Traceback" not in broken.stderr


def test_a_command_on_an_unmigrated_database_says_to_migrate(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "m"), "--domain", "ch-migr.test"]) == 0
    c = str(tmp_path / "m" / "caducee.toml")
    (tmp_path / "m" / "data" / "caducee.db").unlink()
    out = run("mailbox", "list", "-c", c)
    assert out.returncode == 4 and "caducee migrate" in out.stderr
    assert run("migrate", "-c", c).returncode == 0
    assert run("mailbox", "list", "-c", c).returncode == 0


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["init", "--help"],
        ["serve", "--help"],
        ["mailbox", "add", "--help"],
        ["patient", "add", "--help"],
        ["audit", "verify", "--help"],
        ["config", "set", "--help"],
    ):
        out = run(*args)
        assert out.returncode == 0 and "usage: caducee" in out.stdout, args


def test_stdin_is_not_read_without_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("should not be read\n"))
    from mailserver.cli.running import read_password

    assert read_password(False) is None
