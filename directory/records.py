"""The directory's public records: plain frozen dataclasses, never ORM rows.

Owns what callers (delivery, webmail, the CLI, the LDAP and FHIR views) receive from and hand to the directory.
Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

MAILBOX_TYPES = ("PER", "ORG", "APP", "CAB")  # DOMAIN.md §3

SOURCE_NATIONAL = "national"  # the national extraction (DOMAIN.md §4)
SOURCE_LOCAL = "local"  # a mailbox of this operator, created with `caducee mailbox add`
SOURCE_MANUAL = "manual"  # entered by hand by the operator

USAGE_SIGNING = "signing"
USAGE_ENCRYPTION = "encryption"
USAGE_ORGANISATION = "organisation"
CERTIFICATE_USAGES = (USAGE_SIGNING, USAGE_ENCRYPTION, USAGE_ORGANISATION)


@dataclass(frozen=True)
class Practitioner:
    """A health professional: national id is `8`+RPPS or `0`+ADELI."""

    national_id: str
    id_type: str = ""
    civility: str = ""
    family_name: str = ""
    given_name: str = ""
    category_code: str = ""
    category_label: str = ""
    profession_code: str = ""
    profession_label: str = ""
    speciality_code: str = ""
    speciality_label: str = ""


@dataclass(frozen=True)
class Organisation:
    """A legal structure: national id is `1`+FINESS, `3`+SIRET, `2`+SIREN, `4`+RPPS-rang."""

    national_id: str
    id_type: str = ""
    legal_name: str = ""
    trade_name: str = ""
    address_lines: tuple[str, ...] = ()  # the 8 postal columns of the extraction, in order
    postcode: str = ""
    city: str = ""
    department: str = ""
    country: str = ""


@dataclass(frozen=True)
class MailboxEntry:
    """One MSSanté mailbox as the directory knows it. `gone_at` is set once it left the national file."""

    address: str
    type: str
    description: str = ""
    service: str = ""
    practitioner: Practitioner | None = None
    organisation: Organisation | None = None
    liste_rouge: bool = False
    is_local: bool = False
    source: str = SOURCE_NATIONAL
    dematerialisation: str = ""
    profession_code: str = ""  # of the mailbox's holder (TRE_G15), also for ORG entries that name no person
    gone_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """What an address book shows: "Given Family" for a person, else the service or the description."""
        if self.practitioner and (self.practitioner.family_name or self.practitioner.given_name):
            return f"{self.practitioner.given_name} {self.practitioner.family_name}".strip()
        if self.service:
            return self.service
        if self.description:
            return self.description
        if self.organisation and self.organisation.legal_name:
            return self.organisation.legal_name
        return self.address


@dataclass(frozen=True)
class Certificate:
    """An X.509 certificate bound to a mailbox (signing, encryption) or to an organisation."""

    fingerprint: str  # SHA-256 of the DER, lower-case hex
    usage: str
    der: bytes
    subject: str
    issuer: str
    serial: str  # hexadecimal
    not_before: datetime
    not_after: datetime
    address: str | None = None
    organisation_id: str | None = None

    def valid_at(self, when: datetime) -> bool:
        return self.not_before <= when <= self.not_after


@dataclass(frozen=True)
class LocalMailbox:
    """A mailbox of this operator, as the admin service hands it over when it creates or changes one."""

    address: str
    type: str
    description: str = ""
    service: str = ""
    national_id: str | None = None  # of the practitioner who holds a PER mailbox
    civility: str = ""
    family_name: str = ""
    given_name: str = ""
    profession_code: str = ""
    profession_label: str = ""
    speciality_code: str = ""
    speciality_label: str = ""
    organisation_id: str | None = None  # national structure id
    organisation_name: str = ""
    liste_rouge: bool = False


@dataclass(frozen=True)
class Viewer:
    """Who is searching. Only viewers with `sees_liste_rouge` (this operator's own staff and professionals)
    see `liste_rouge` entries; other operators, patients and anonymous clients never do."""

    label: str
    sees_liste_rouge: bool = False


PUBLIC_VIEWER = Viewer("public", sees_liste_rouge=False)
LOCAL_VIEWER = Viewer("local", sees_liste_rouge=True)


@dataclass(frozen=True)
class SearchQuery:
    """Criteria are ANDed. `name` and `organisation` are word prefixes; `postcode` a prefix; `city` a prefix of
    the folded city; `profession`/`speciality` a code ("10", "SM54") or a label prefix ("medecin")."""

    name: str = ""
    profession: str = ""
    speciality: str = ""
    postcode: str = ""
    city: str = ""
    organisation: str = ""
    address: str = ""
    mailbox_type: str = ""
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class SearchPage:
    entries: tuple[MailboxEntry, ...]
    offset: int
    limit: int
    has_more: bool


@dataclass(frozen=True)
class Rejection:
    """A line of the extraction that was not imported. `reason` never repeats the line's content."""

    line_number: int
    reason: str


@dataclass(frozen=True)
class ImportSummary:
    lines: int
    added: int
    changed: int
    unchanged: int
    removed: int
    rejected: int
    duplicates: int
    kept_local: int
    rejections: tuple[Rejection, ...] = field(default=())  # the first ones, for the report


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; the directory writes them in UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
