"""The LDAP v3 protocol of the read-only address book: bind, search, StartTLS; everything else refused.

Owns the access rules (RFC 4513): anonymous bind only when configured; a name with an empty password is an
unauthenticated bind and refused (§5.1.2); a simple bind only over TLS (`confidentialityRequired` otherwise,
§5.1.3), checked by the injected credential verifier; searches need a bind (or the anonymous allowance), and the
root DSE is always readable. Searches are capped by a size limit and a time limit, and return public entries
only (never liste_rouge or gone ones). Database work runs as asyncio coroutines crossed to Twisted with
`Deferred.fromFuture(asyncio.ensure_future(...))` (DESIGN.md §4). It never writes to the directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ldaptor.protocols import pureldap
from ldaptor.protocols.ldap import distinguishedname
from ldaptor.protocols.ldap.ldapserver import BaseLDAPServer
from sqlalchemy.ext.asyncio import AsyncEngine
from twisted.internet import defer

from directory.certificates import certificates_for
from directory.ldap.entries import attributes, entry_dn, select_attributes
from directory.ldap.filters import UnsupportedFilter, text, to_condition
from directory.records import PUBLIC_VIEWER
from directory.search import find_matching

STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"  # RFC 4511 §4.14
VerifyCredentials = Callable[[str, str], Awaitable[bool]]

# RFC 4511 §4.1.9 result codes, spelled out so that the wire values are visible.
SUCCESS = 0
OPERATIONS_ERROR = 1
PROTOCOL_ERROR = 2
TIME_LIMIT_EXCEEDED = 3
SIZE_LIMIT_EXCEEDED = 4
AUTH_METHOD_NOT_SUPPORTED = 7
CONFIDENTIALITY_REQUIRED = 13
NO_SUCH_OBJECT = 32
INAPPROPRIATE_AUTHENTICATION = 48
INVALID_CREDENTIALS = 49
INSUFFICIENT_ACCESS_RIGHTS = 50
UNWILLING_TO_PERFORM = 53


@dataclass(frozen=True)
class AddressBook:
    """What every connection of one listener shares."""

    engine: AsyncEngine
    base_dn: str
    verify_credentials: VerifyCredentials
    clock: Callable[[], datetime]
    anonymous_bind: bool = False
    size_limit: int = 200
    time_limit: float = 10.0
    starttls: Any = None  # a Twisted TLS context factory when StartTLS is offered on this listener


def _dn_key(dn: str) -> str:
    return ",".join(part.strip().lower() for part in dn.split(","))


def bind_address(dn: str) -> str | None:
    """The mailbox address named by a bind DN: `mail=ADDR,...`, `uid=ADDR,...` or the bare address."""
    if "=" not in dn:
        return dn.strip().lower() if "@" in dn else None
    try:
        first = distinguishedname.DistinguishedName(stringValue=dn).split()[0].split()[0]
    except Exception:
        return None
    if text(first.attributeType).lower() in ("mail", "uid") and "@" in text(first.value):
        return text(first.value).strip().lower()
    return None


class AddressBookProtocol(BaseLDAPServer):  # type: ignore[misc]
    """One LDAP connection."""

    def __init__(self, book: AddressBook, *, implicit_tls: bool) -> None:
        super().__init__()
        self.book = book
        self.tls = implicit_tls
        self.bound: str | None = None
        self.anonymous = False

    # -- bind ---------------------------------------------------------------------------------------------
    def handle_LDAPBindRequest(self, request: Any, controls: Any, reply: Any) -> Any:
        if request.version != 3:
            return pureldap.LDAPBindResponse(resultCode=PROTOCOL_ERROR, errorMessage="LDAP v3 only")
        if request.sasl:
            return pureldap.LDAPBindResponse(resultCode=AUTH_METHOD_NOT_SUPPORTED, errorMessage="simple bind only")
        dn, password = text(request.dn), text(request.auth)
        self.bound, self.anonymous = None, False
        if not dn and not password:
            if not self.book.anonymous_bind:
                return pureldap.LDAPBindResponse(
                    resultCode=INAPPROPRIATE_AUTHENTICATION, errorMessage="anonymous bind is disabled"
                )
            self.anonymous = True
            return pureldap.LDAPBindResponse(resultCode=SUCCESS)
        if not password:  # RFC 4513 §5.1.2: unauthenticated bind
            return pureldap.LDAPBindResponse(resultCode=UNWILLING_TO_PERFORM, errorMessage="password required")
        if not self.tls:  # RFC 4513 §5.1.3: no password over a clear channel
            return pureldap.LDAPBindResponse(resultCode=CONFIDENTIALITY_REQUIRED, errorMessage="use TLS first")
        return defer.Deferred.fromFuture(asyncio.ensure_future(self._bind(dn, password)))

    async def _bind(self, dn: str, password: str) -> Any:
        address = bind_address(dn)
        if address is not None and await self.book.verify_credentials(address, password):
            self.bound = address
            return pureldap.LDAPBindResponse(resultCode=SUCCESS)
        return pureldap.LDAPBindResponse(resultCode=INVALID_CREDENTIALS)

    def handle_LDAPUnbindRequest(self, request: Any, controls: Any, reply: Any) -> None:
        self.transport.loseConnection()

    # -- search -------------------------------------------------------------------------------------------
    def handle_LDAPSearchRequest(self, request: Any, controls: Any, reply: Any) -> Any:
        self.checkControls(controls)
        base = text(request.baseObject)
        if not base and request.scope == pureldap.LDAP_SCOPE_baseObject:
            return self._root_dse(reply)
        if self.bound is None and not self.anonymous:
            return pureldap.LDAPSearchResultDone(
                resultCode=INSUFFICIENT_ACCESS_RIGHTS, errorMessage="bind with a mailbox first"
            )
        return defer.Deferred.fromFuture(asyncio.ensure_future(self._search(request, base, reply)))

    def _root_dse(self, reply: Any) -> Any:
        extensions = [STARTTLS_OID] if self.book.starttls is not None and not self.tls else []
        reply(
            pureldap.LDAPSearchResultEntry(
                objectName="",
                attributes=[
                    (b"supportedLDAPVersion", [b"3"]),
                    (b"namingContexts", [self.book.base_dn.encode()]),
                    (b"supportedExtension", extensions),
                ],
            )
        )
        return pureldap.LDAPSearchResultDone(resultCode=SUCCESS)

    async def _search(self, request: Any, base: str, reply: Any) -> Any:
        book = self.book
        limit = book.size_limit if not request.sizeLimit else min(request.sizeLimit, book.size_limit)
        seconds = book.time_limit if not request.timeLimit else min(request.timeLimit, book.time_limit)
        try:
            condition = to_condition(request.filter)
        except UnsupportedFilter:
            return pureldap.LDAPSearchResultDone(resultCode=UNWILLING_TO_PERFORM, errorMessage="unsupported filter")
        base_key, root_key = _dn_key(base), _dn_key(book.base_dn)
        try:
            if base_key == root_key:
                if request.scope == pureldap.LDAP_SCOPE_baseObject:
                    return pureldap.LDAPSearchResultDone(resultCode=SUCCESS)
                found = await asyncio.wait_for(
                    find_matching(book.engine, condition, PUBLIC_VIEWER, limit + 1), timeout=seconds
                )
            elif base_key.endswith("," + root_key) and (address := bind_address(base)) is not None:
                found = await asyncio.wait_for(
                    find_matching(book.engine, condition, PUBLIC_VIEWER, 1, address=address), timeout=seconds
                )
            else:
                return pureldap.LDAPSearchResultDone(resultCode=NO_SUCH_OBJECT, matchedDN=book.base_dn)
        except TimeoutError:
            return pureldap.LDAPSearchResultDone(resultCode=TIME_LIMIT_EXCEEDED)
        certificates = await certificates_for(
            book.engine, addresses=[e.address for e in found[:limit]], valid_at=book.clock()
        )
        by_address: dict[str, list[Any]] = {}
        for c in certificates:
            by_address.setdefault(c.address or "", []).append(c)
        for entry in found[:limit]:
            attrs = select_attributes(
                attributes(entry, by_address.get(entry.address, [])), request.attributes, bool(request.typesOnly)
            )
            reply(pureldap.LDAPSearchResultEntry(objectName=entry_dn(entry.address, book.base_dn), attributes=attrs))
        if len(found) > limit:
            return pureldap.LDAPSearchResultDone(resultCode=SIZE_LIMIT_EXCEEDED)
        return pureldap.LDAPSearchResultDone(resultCode=SUCCESS)

    # -- StartTLS and refusals ----------------------------------------------------------------------------
    def handle_LDAPExtendedRequest(self, request: Any, controls: Any, reply: Any) -> Any:
        if request.requestName != STARTTLS_OID:
            return pureldap.LDAPExtendedResponse(resultCode=PROTOCOL_ERROR, errorMessage="unknown extended operation")
        if self.book.starttls is None or self.tls:
            return pureldap.LDAPExtendedResponse(
                resultCode=OPERATIONS_ERROR, responseName=STARTTLS_OID, errorMessage="TLS not available here"
            )
        reply(pureldap.LDAPExtendedResponse(resultCode=SUCCESS, responseName=STARTTLS_OID))
        self.transport.startTLS(self.book.starttls)  # RFC 4511 §4.14.2: TLS starts right after the response
        self.tls = True
        self.bound, self.anonymous = None, False
        return None

    def _refuse(response: Any) -> Any:
        def handler(self: AddressBookProtocol, request: Any, controls: Any, reply: Any) -> Any:
            return response(resultCode=UNWILLING_TO_PERFORM, errorMessage="the address book is read-only")

        return handler

    handle_LDAPAddRequest = _refuse(pureldap.LDAPAddResponse)
    handle_LDAPDelRequest = _refuse(pureldap.LDAPDelResponse)
    handle_LDAPModifyRequest = _refuse(pureldap.LDAPModifyResponse)
    handle_LDAPModifyDNRequest = _refuse(pureldap.LDAPModifyDNResponse)
    handle_LDAPCompareRequest = _refuse(pureldap.LDAPCompareResponse)

    def handle_LDAPAbandonRequest(self, request: Any, controls: Any, reply: Any) -> None:
        return None  # RFC 4511 §4.11: no response
