"""Parser of the national MSSanté extraction (DOMAIN.md §4): `|`-separated UTF-8 text, 31 columns, one header.

Owns reading the file (or the zip that holds it) as a stream of typed rows or rejections, one line at a time:
it never holds the whole file in memory and never touches the database. Columns are read by position, because
header labels change between versions; the first line is taken as a header when its second field is not an
address. A bad line becomes a `Rejection` (line number and reason, never the line's content) and reading goes on.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO, NamedTuple

from directory.records import MAILBOX_TYPES, Rejection

COLUMNS = 31
ADDRESS_COLUMNS = 8  # postal lines of the structure, columns 21 to 28
MAX_LINE_BYTES = 16 * 1024
MAX_UNCOMPRESSED_BYTES = 4 * 1024 * 1024 * 1024  # zip-bomb bound (DESIGN.md §6): the real file is ~150 MB
# Two header variants seen across versions of the file; neither is relied upon (columns are read by position).
HEADER_V1 = (
    "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"
    "Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|"
    "Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|"
    "Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|"
    "Enseigne commerciale structure BAL|Complément destinataire structure BAL|"
    "Complément point géographique structure BAL|Numéro voie structure BAL|Indice répétition voie structure BAL|"
    "Type de voie structure BAL|Libellé voie structure BAL|Mention distribution structure BAL|"
    "Bureau cedex structure BAL|Code postal structure BAL|Département structure BAL|Pays structure BAL"
)
HEADER_V2 = (
    "TypeBAL|AdresseBAL|TypeIdPP|IdPP|IdNatPP|TypeIdStructure|IdStructure|Service|Civilite|Nom|Prenom|"
    "CategorieProfession|LibelleCategorieProfession|CodeProfession|LibelleProfession|CodeSavoirFaire|"
    "LibelleSavoirFaire|Dematerialisation|RaisonSociale|EnseigneCommerciale|Adresse_L2|Adresse_L3|"
    "Adresse_L4_Numero|Adresse_L4_Indice|Adresse_L4_TypeVoie|Adresse_L4_LibelleVoie|Adresse_L5|Adresse_L6|"
    "CodePostal|Departement|Pays"
)
HEADERS = (HEADER_V1, HEADER_V2)
_ADDRESS = re.compile(r"^[^\s@|]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?\s*$", re.IGNORECASE)


class ExtractionRow(NamedTuple):
    """One line of the extraction, by column position. `row_hash` identifies its content for re-imports.
    (A named tuple: built for each of 535,000 lines, it costs a third of a frozen dataclass.)"""

    line_number: int
    row_hash: str
    mailbox_type: str  # 1 Type de BAL
    address: str  # 2 Adresse BAL (lower-cased)
    pp_id_type: str  # 3 Type Identifiant PP
    pp_id: str  # 4 Identifiant PP
    pp_national_id: str  # 5 Identification nationale PP
    structure_id_type: str  # 6 Type identifiant structure
    structure_id: str  # 7 Identification Structure
    service: str  # 8 Service de rattachement
    civility: str  # 9 Civilité d'exercice
    family_name: str  # 10 Nom d'exercice
    given_name: str  # 11 Prénom d'exercice
    category_code: str  # 12 Catégorie profession
    category_label: str  # 13 Libellé de catégorie profession
    profession_code: str  # 14 Code Profession
    profession_label: str  # 15 Libellé Profession
    speciality_code: str  # 16 Code savoir-faire
    speciality_label: str  # 17 Libellé savoir-faire
    dematerialisation: str  # 18 Dématérialisation
    legal_name: str  # 19 Raison Sociale structure BAL
    trade_name: str  # 20 Enseigne commerciale structure BAL
    address_lines: tuple[str, ...]  # 21-28 the structure's postal lines
    postcode: str  # 29 Code postal
    department: str  # 30 Département
    country: str  # 31 Pays

    @property
    def city(self) -> str:
        return city_of(self.address_lines, self.postcode)


@lru_cache(maxsize=1 << 14)
def city_of(address_lines: tuple[str, ...], postcode: str) -> str:
    """The city, from the postal line that starts with the postcode ("75014 PARIS CEDEX 14" → "PARIS")."""
    for line in reversed(address_lines):
        text = line.strip()
        if postcode and text.startswith(postcode):
            return _CEDEX.sub("", text[len(postcode) :]).strip()
    last = next((x.strip() for x in reversed(address_lines) if x.strip()), "")
    return _CEDEX.sub("", last.lstrip("0123456789 ")).strip()


def row_hash(raw: bytes) -> str:
    """Identity of a line's content: equal hashes mean an unchanged line, so the import skips it unparsed."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def mailbox_key(raw: bytes) -> str | None:
    """The address of a line (column 2, lower-cased) without parsing the rest; None if it cannot be read."""
    fields = raw.split(b"|", 2)
    if len(fields) < 3:
        return None
    try:
        return fields[1].decode("utf-8").strip().lower() or None
    except UnicodeDecodeError:
        return None


def parse_line(raw: bytes, line_number: int) -> ExtractionRow | Rejection:
    """One line (without its end-of-line bytes) into a row, or the reason it cannot be one."""
    if len(raw) > MAX_LINE_BYTES:
        return Rejection(line_number, f"line longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(line_number, f"not UTF-8 (byte {exc.start + 1})")
    fields = text.split("|")
    if len(fields) < COLUMNS or (len(fields) > COLUMNS and any(f.strip() for f in fields[COLUMNS:])):
        return Rejection(line_number, f"{len(fields)} fields, expected {COLUMNS}")
    f = fields[:COLUMNS]
    if " |" in text or "| " in text or text[:1].isspace() or text[-1:].isspace() or "\t" in text:
        f = [x.strip() for x in f]
    mailbox_type = f[0].upper()
    if mailbox_type not in MAILBOX_TYPES:
        return Rejection(line_number, "unknown mailbox type")
    address = f[1].lower()
    if not _ADDRESS.match(address):
        return Rejection(line_number, "malformed mailbox address")
    if mailbox_type == "PER" and not f[4]:
        return Rejection(line_number, "PER mailbox without a practitioner national id")
    return ExtractionRow(
        line_number, row_hash(raw), mailbox_type, address,
        f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14], f[15], f[16], f[17],
        f[18], f[19], tuple(f[20:28]), f[28], f[29], f[30],
    )  # fmt: skip


def is_header(raw: bytes) -> bool:
    fields = raw.split(b"|")
    return len(fields) < 2 or b"@" not in fields[1]


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """The data lines of an extraction with their line numbers, end-of-line bytes removed, header skipped."""
    for number, raw in enumerate(stream, start=1):
        line = raw.rstrip(b"\r\n")
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
            if is_header(line):
                continue
        if line.strip():
            yield number, line


def read_rows(stream: IO[bytes]) -> Iterator[ExtractionRow | Rejection]:
    """Rows and rejections of an extraction, line by line, in file order."""
    for number, line in read_lines(stream):
        yield parse_line(line, number)


class ExtractionError(Exception):
    """The file as a whole cannot be read (not found, a zip without the text file, a zip bomb)."""


@contextmanager
def open_extraction(path: Path) -> Iterator[IO[bytes]]:
    """The extraction's bytes: the file itself, or the single `.txt` member of a zip (never extracted to disk)."""
    if not path.is_file():
        raise ExtractionError(f"{path.name}: no such file")
    if not zipfile.is_zipfile(path):
        with path.open("rb") as stream:
            yield stream
        return
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".txt") and not m.is_dir()]
        if len(members) != 1:
            raise ExtractionError(f"{path.name}: expected one .txt file in the zip, found {len(members)}")
        member = members[0]
        if member.file_size > MAX_UNCOMPRESSED_BYTES:
            raise ExtractionError(f"{path.name}: the extraction is larger than {MAX_UNCOMPRESSED_BYTES} bytes")
        with archive.open(member) as stream:  # ZipExtFile checks the CRC and the declared size as it reads
            yield stream
