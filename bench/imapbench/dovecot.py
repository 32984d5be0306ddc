"""The reference of the IMAP benchmark: a private Dovecot (Debian's `dovecot-imapd` and `dovecot-lmtpd`) in a
temporary folder, serving the same corpus from a Maildir.

Owns installing the packages when missing (apt-get; Debian's policy keeps the system service from starting), the
private configuration (its own base_dir, IMAP with implicit TLS and LMTP on free loopback ports, a static password
for `corpus.ADDRESS`, Maildir under the temp folder, every other setting at Dovecot's default), writing corpus
messages as Maildir files (cur/, with their flags, S= and W= sizes and the internal date as mtime), and bringing
Dovecot's index up to date with `doveadm` after files were dropped in place, as LMTP delivery would have kept it.
Never touches the system's Dovecot configuration, service or mail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from imapbench import corpus
from imapbench.caducee import rss_mb

PACKAGES = ("dovecot-imapd", "dovecot-lmtpd")
USER = corpus.ADDRESS.split("@")[0]


def ensure_packages() -> None:
    if all(Path(p).exists() for p in ("/usr/sbin/dovecot", "/usr/lib/dovecot/imap", "/usr/lib/dovecot/lmtp")):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
        check=True,
        env=env,
        capture_output=True,
    )


def version() -> str:
    done = subprocess.run(["dovecot", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.split()[0] if done.stdout else "?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    def __init__(self, root: Path, certificate: tuple[Path, Path], password: str) -> None:
        self.root = root / "dovecot"
        self.imaps = _free_port()
        self.lmtp = _free_port()
        self.home = self.root / "home" / USER
        self.inbox = self.home / "Maildir"
        self.conf = self.root / "dovecot.conf"
        self.certificate = certificate
        self.password = password
        self.proc: subprocess.Popen[bytes] | None = None

    def create(self) -> None:
        for sub in ("run", "state"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("cur", "new", "tmp"):
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)
        cert, key = self.certificate
        self.conf.write_text(
            f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
auth_mechanisms = plain login
passdb {{
  driver = static
  args = password={self.password}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={self.root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp}
  }}
}}
"""
        )

    def fill(self, start: int, stop: int) -> float:
        """Write corpus messages [start, stop) into cur/ and let doveadm index them; returns the seconds."""
        began = time.perf_counter()
        cur = self.inbox / "cur"
        for n in range(start, stop):
            raw = corpus.message(n)
            path = cur / corpus.maildir_name(n, raw)
            path.write_bytes(raw)
            stamp = corpus.internal_date(n).timestamp()
            os.utime(path, (stamp, stamp))  # Maildir's INTERNALDATE is the file's mtime
        subprocess.run(["chown", "-R", "dovecot:dovecot", str(self.root / "home")], check=True)
        self.start()  # doveadm asks the running server's auth process for the user
        try:
            self.doveadm("mailbox", "status", "-u", USER, "messages", "INBOX")  # syncs the index, as LMTP would
        finally:
            self.stop()
        return time.perf_counter() - began

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(
            ["doveadm", "-c", str(self.conf), *args], capture_output=True, text=True, check=False, timeout=600
        )
        if done.returncode:
            raise RuntimeError(f"doveadm {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.conf)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.imaps), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not listen: {(self.root / 'dovecot.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None

    def imap_pids(self) -> list[int]:
        """The `imap` processes (one per logged-in session) of this Dovecot."""
        return [pid for pid in self.all_pids() if Path(f"/proc/{pid}/comm").read_text().strip() == "imap"]

    def all_pids(self) -> list[int]:
        """The master and every process it started."""
        assert self.proc is not None
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
        family = [self.proc.pid]
        for pid in family:
            family += [child for child, parent in parents.items() if parent == pid]
        return family

    def memory(self) -> tuple[float, str]:
        """Resident memory of the session's `imap` process, and of every Dovecot process in the note."""
        session = sum(rss_mb(pid) for pid in self.imap_pids())
        everything = sum(rss_mb(pid) for pid in self.all_pids())
        return session, f"the session's imap process; all Dovecot processes {everything:.0f} MB"

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
