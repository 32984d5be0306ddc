"""The authenticator SMTP submission and IMAP share: passwords, OIDC tokens and client certificates.

Owns turning credentials into an `Identity` (the mailboxes a client may use) or an `AuthFailure`:
- `password(user, password, client_ip)`: the local fallback (argon2id in the store, constant cost);
- `oauth(token, user_hint, client_ip)`: an OIDC access token whose national-id claim (8+RPPS) maps to the
  person's mailboxes (`accounts.mailboxes_of_person`: own PER and delegated ORG/CAB); `user_hint` (the XOAUTH2
  user, the OAUTHBEARER authzid) must be one of them when given;
- `certificate(chain, authzid, client_ip)`: SASL EXTERNAL for applications. The certificate must verify (anchors,
  CRLs) and carry an e-mail address (subjectAltName rfc822Name) that is one of our APP or ORG mailboxes; with
  several, `authzid` picks one. Person certificates (PER) do not open mailboxes this way.
Every failure counts in `FailureLimiter`; while an account or address is locked, credentials are not checked and
the answer is the same failure (RFC 4954 §6 has no lockout code; a distinct answer would tell an attacker which
accounts exist and when to resume). Successes and failures are traced in the audit trail, never the secret.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509

from mailserver.auth.identity import AuthFailure, AuthResult, Identity, Mechanism
from mailserver.auth.limiter import FailureLimiter
from mailserver.auth.oidc import TokenValidator
from mailserver.auth.peer import CertificateVerifier
from mailserver.store.accounts import Accounts
from mailserver.store.audit import AuditTrail
from mailserver.store.records import Mailbox

CERTIFICATE_MAILBOX_TYPES = ("APP", "ORG")


class Authenticator:
    def __init__(
        self,
        accounts: Accounts,
        limiter: FailureLimiter,
        audit: AuditTrail,
        *,
        tokens: TokenValidator | None = None,
        certificates: CertificateVerifier | None = None,
    ) -> None:
        self._accounts = accounts
        self._limiter = limiter
        self._audit = audit
        self._tokens = tokens
        self._certificates = certificates

    @property
    def offers_oauth(self) -> bool:
        return self._tokens is not None

    @property
    def offers_certificates(self) -> bool:
        return self._certificates is not None

    async def password(
        self, user: str, password: str, client_ip: str | None, mechanism: Mechanism = "PLAIN"
    ) -> AuthResult:
        user = user.strip().lower()
        if await self._limiter.locked(user, client_ip):
            return await self._fail(mechanism, user, client_ip, AuthFailure("locked out", locked=True), count=False)
        box = await self._accounts.check_password(user, password)
        if box is None:
            return await self._fail(mechanism, user, client_ip, AuthFailure("bad user name or password"))
        await self._limiter.succeeded(user)
        return await self._succeed(Identity(box.address, mechanism, await self._with_delegations(box)), client_ip)

    async def oauth(self, token: str, user_hint: str, client_ip: str | None, mechanism: Mechanism) -> AuthResult:
        hint = user_hint.strip().lower()
        if self._tokens is None:
            return AuthFailure("OIDC is not configured")
        if await self._limiter.locked(hint or None, client_ip):
            return await self._fail(mechanism, hint, client_ip, AuthFailure("locked out", locked=True), count=False)
        claims = await self._tokens.validate(token)
        if isinstance(claims, AuthFailure):
            if claims.temporary:
                return claims
            return await self._fail(mechanism, hint, client_ip, claims)
        boxes = [b for b in await self._accounts.mailboxes_of_person(claims.national_id) if b.status == "active"]
        if not boxes:
            return await self._fail(mechanism, hint, client_ip, AuthFailure("no mailbox for this national id"))
        if hint and hint not in {b.address for b in boxes}:
            return await self._fail(mechanism, hint, client_ip, AuthFailure("user is not one of the person's boxes"))
        if hint:
            await self._limiter.succeeded(hint)
        identity = Identity(claims.national_id, mechanism, tuple(boxes), national_id=claims.national_id)
        return await self._succeed(identity, client_ip)

    async def certificate(self, chain: Sequence[x509.Certificate], authzid: str, client_ip: str | None) -> AuthResult:
        wanted = authzid.strip().lower()
        if self._certificates is None:
            return AuthFailure("client certificates are not configured")
        if await self._limiter.locked(wanted or None, client_ip):
            return await self._fail("EXTERNAL", wanted, client_ip, AuthFailure("locked out", locked=True), count=False)
        verdict = self._certificates.classify(chain)
        if not verdict.good:
            failure = AuthFailure(f"certificate {verdict.status}: {verdict.detail}")
            if verdict.status == "revocation-unknown":
                return AuthFailure(failure.reason, temporary=True)
            return await self._fail("EXTERNAL", wanted, client_ip, failure)
        assert verdict.leaf is not None
        boxes = [
            b
            for b in [await self._accounts.get_mailbox(a) for a in _email_addresses(verdict.leaf)]
            if b is not None and b.type in CERTIFICATE_MAILBOX_TYPES and b.status == "active"
        ]
        if wanted:
            boxes = [b for b in boxes if b.address == wanted]
        if not boxes:
            return await self._fail(
                "EXTERNAL", wanted, client_ip, AuthFailure(f"{verdict.subject_dn!r} names no APP/ORG mailbox here")
            )
        return await self._succeed(Identity(verdict.subject_dn, "EXTERNAL", tuple(boxes[:1])), client_ip)

    async def _with_delegations(self, box: Mailbox) -> tuple[Mailbox, ...]:
        shared = [await self._accounts.get_mailbox(d.mailbox) for d in await self._accounts.delegations_of(box.address)]
        return (box, *(b for b in shared if b is not None and b.status == "active"))

    async def _fail(
        self, mechanism: str, account: str, client_ip: str | None, failure: AuthFailure, *, count: bool = True
    ) -> AuthFailure:
        locked = failure.locked
        if count:
            state = await self._limiter.failed(account or None, client_ip)
            locked = state.locked
        await self._audit.record(
            account or "-",
            "auth.login",
            account or "-",
            "locked" if locked else "failed",
            {"mechanism": mechanism, "client": client_ip or "", "reason": failure.reason},
        )
        return AuthFailure(failure.reason, failure.temporary, locked)

    async def _succeed(self, identity: Identity, client_ip: str | None) -> Identity:
        await self._audit.record(
            identity.subject,
            "auth.login",
            identity.subject,
            "ok",
            {"mechanism": identity.mechanism, "client": client_ip or "", "mailboxes": sorted(identity.addresses)},
        )
        return identity


def _email_addresses(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [a.strip().lower() for a in san.get_values_for_type(x509.RFC822Name)]
