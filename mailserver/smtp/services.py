"""What every SMTP session of a process shares: the delivery service, the authenticator, the certificate
verifier, the limits and our host name.

Owns `SessionLimits` (from the `[smtp]` settings) and `SmtpServices`. Built once by `listeners`; never holds
per-session state.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailserver.auth.authenticator import Authenticator
from mailserver.auth.peer import CertificateVerifier
from mailserver.delivery.service import DeliveryService

# RFC 5321 §4.5.3.1.4 (512), plus what the extensions we offer add to MAIL and RCPT: SIZE 26 (RFC 1870 §3),
# ENVID/RET 100 and NOTIFY/ORCPT 500 (RFC 3461 §4), SMTPUTF8 10 (RFC 6531 §3.4), AUTH= 500 (RFC 4954 §5).
COMMAND_LINE = 512
COMMAND_LINES = {"MAIL": 512 + 26 + 100 + 10 + 500 + 16, "RCPT": 512 + 500, "AUTH": 12288}  # AUTH: RFC 4954 §4


@dataclass(frozen=True)
class SessionLimits:
    max_message_size: int
    max_recipients: int  # RFC 5321 §4.5.3.1.8 asks at least 100
    max_header_fields: int
    idle_timeout: float  # RFC 5321 §4.5.3.2.7: at least 5 minutes
    max_errors: int = 10  # unknown commands and syntax or sequence errors before 421


@dataclass
class SmtpServices:
    hostname: str
    delivery: DeliveryService
    authenticator: Authenticator
    verifier: CertificateVerifier
    limits: SessionLimits
