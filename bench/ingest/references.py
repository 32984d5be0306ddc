"""The reference servers of the SMTP ingest benchmark, from Debian's packages, in a temporary folder.

Owns installing `postfix`, `dovecot-imapd` and `dovecot-lmtpd` when missing (apt-get, services kept from starting by
the package policy) and running private instances on loopback ports: Dovecot with an LMTP listener and Maildir
storage (default `mail_fsync`), Postfix (its `master` run in the foreground with a config folder of its own, default
queue fsync) relaying every accepted message to that Dovecot over LMTP, and `smtp-sink` as the loopback ceiling.
Never touches the system's own Postfix or Dovecot configuration or services.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

PACKAGES = ("postfix", "dovecot-imapd", "dovecot-lmtpd")
DAEMON_DIR = "/usr/lib/postfix/sbin"


def ensure_packages() -> None:
    needed = (Path(f"{DAEMON_DIR}/master"), Path("/usr/lib/dovecot/lmtp"), Path("/usr/sbin/smtp-sink"))
    if all(p.exists() for p in needed):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(
        ["debconf-set-selections"], input=b"postfix postfix/main_mailer_type select No configuration\n", check=False
    )
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
        check=True,
        env=env,
        capture_output=True,
    )


def wait_port(port: int, timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Dovecot:
    def __init__(self, root: Path, lmtp_port: int) -> None:
        self.root = root
        self.port = lmtp_port
        self.mail = root / "mail"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(self.mail, "dovecot", "dovecot")
        conf = self.root / "dovecot.conf"
        conf.write_text(
            f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{self.mail}/%n
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={self.mail}/%n
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.port}
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(conf)])
        wait_port(self.port)

    def delivered(self) -> int:
        return sum(len(os.listdir(new)) for new in self.mail.glob("*/new")) + sum(
            len(os.listdir(cur)) for cur in self.mail.glob("*/cur")
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


MASTER_CF = """\
{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """A private Postfix: SMTP on `port`, every message for `domain` relayed to Dovecot over LMTP."""

    def __init__(self, root: Path, port: int, lmtp_port: int, domain: str) -> None:
        self.root = root
        self.port = port
        self.lmtp_port = lmtp_port
        self.domain = domain
        self.conf = root / "etc"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.conf.mkdir(parents=True, exist_ok=True)
        for sub in ("spool", "data"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(self.root / "data", "postfix", "postfix")
        (self.conf / "main.cf").write_text(
            f"""
compatibility_level = 3.6
queue_directory = {self.root}/spool
data_directory = {self.root}/data
daemon_directory = {DAEMON_DIR}
command_directory = /usr/sbin
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = reference.bench.local
mydomain = bench.local
mydestination =
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = permit_mynetworks, reject
virtual_mailbox_domains = {self.domain}
virtual_transport = lmtp:inet:127.0.0.1:{self.lmtp_port}
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = no
biff = no
maillog_file = {self.root}/postfix.log
maillog_file_prefixes = /var, /dev/stdout, {self.root}
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
"""
        )
        (self.conf / "master.cf").write_text(MASTER_CF.format(port=self.port))
        subprocess.run(
            ["postfix", "-c", str(self.conf), "check"], check=False, capture_output=True
        )  # creates the queue
        self.proc = subprocess.Popen(
            ["postfix", "-c", str(self.conf), "start-fg"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_port(self.port)

    def queued(self) -> int:
        total = 0
        for sub in ("incoming", "active", "deferred", "maildrop"):
            path = self.root / "spool" / sub
            if path.exists():
                total += sum(len(files) for _, _, files in os.walk(path))
        return total

    def stop(self) -> None:
        if self.proc is not None:
            subprocess.run(["postfix", "-c", str(self.conf), "stop"], check=False, capture_output=True)
            self.proc.wait(timeout=30)


class SmtpSink:
    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen(
            ["smtp-sink", *user, "-c", f"127.0.0.1:{self.port}", "256"], stdout=subprocess.DEVNULL
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
