"""Synthetic extraction files in the exact national format (DOMAIN.md §4), for tests, benchmarks and demos.

Owns the two header variants seen in the wild and a deterministic generator of plausible lines. Every name and
identifier it writes is invented (it is labelled synthetic and never mixes in real data). Never used on the
import path.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from directory.extraction import HEADER_V1, HEADER_V2, HEADERS  # noqa: F401  (re-exported for tests)
from directory.normalise import fold

FAMILY = (
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
    "SIMON",
    "LAURENT",
    "LEFÈVRE",
    "MICHEL",
    "GARCIA",
    "DAVID",
    "BERTRAND",
    "ROUX",
    "VINCENT",
    "FOURNIER",
    "MOREL",
    "GIRARD",
    "ANDRÉ",
    "LEFEBVRE",
    "MERCIER",
    "DUPONT",
    "LAMBERT",
    "BONNET",
    "FRANÇOIS",
    "MARTINEZ",
    "LE GOFF",
    "SAINT-JEAN",
    "ST-MARTIN",
    "D'ARTAGNAN",
    "NGUYEN",
    "CHÂTEAU",
    "NOËL",
    "BÉRANGER",
    "LÉVÊQUE",
)
GIVEN = (
    "Hélène",
    "Jean",
    "Marie",
    "Pierre",
    "Anne",
    "Michel",
    "Françoise",
    "Philippe",
    "Nathalie",
    "Éric",
    "Isabelle",
    "Jérôme",
    "Cécile",
    "Stéphane",
    "Sophie",
    "Marie-Hélène",
    "Jean-François",
    "Zoé",
    "Gaëlle",
    "Anaïs",
    "Benoît",
    "Loïc",
    "Maëlle",
    "Noémie",
    "Agnès",
    "Thérèse",
    "Clément",
    "Léa",
    "Chloé",
    "Hugo",
)
SYLLABLES = ("ba", "ri", "lo", "mé", "van", "cor", "dé", "lu", "ta", "né", "gar", "bou", "chon", "vil", "mon")
PROFESSIONS = (
    ("10", "Médecin"),
    ("21", "Pharmacien"),
    ("40", "Chirurgien-dentiste"),
    ("50", "Sage-femme"),
    ("60", "Infirmier"),
    ("70", "Masseur-kinésithérapeute"),
    ("91", "Orthophoniste"),
)
SPECIALITIES = (
    ("SM26", "Qualifié en médecine générale"),
    ("SM54", "Médecine générale"),
    ("SM04", "Cardiologie"),
    ("SM03", "Biologie médicale"),
    ("SM44", "Radio-diagnostic"),
    ("SM40", "Pédiatrie"),
    ("SM42", "Psychiatrie"),
)
CITIES = (
    ("75014", "PARIS", "75"),
    ("69003", "LYON", "69"),
    ("13005", "MARSEILLE", "13"),
    ("31000", "TOULOUSE", "31"),
    ("33000", "BORDEAUX", "33"),
    ("44000", "NANTES", "44"),
    ("42000", "SAINT-ÉTIENNE", "42"),
    ("97400", "SAINT-DENIS", "974"),
    ("29200", "BREST", "29"),
    ("67000", "STRASBOURG", "67"),
)
DOMAINS = ("ch-exemple.mssante.fr", "medecin.mssante.fr", "pharmacien.mssante.fr", "chu-synth.mssante.fr")


def line(fields: Sequence[str]) -> str:
    return "|".join(fields)


def per_fields(
    address: str,
    rpps: str,
    family: str,
    given: str,
    *,
    profession: tuple[str, str] = ("10", "Médecin"),
    speciality: tuple[str, str] = ("SM54", "Médecine générale"),
    structure: str = "",
    legal_name: str = "",
    postcode: str = "75014",
    city: str = "PARIS",
    civility: str = "DR",
    service: str = "",
) -> list[str]:
    """The 31 fields of a PER mailbox line."""
    return [
        "PER",
        address,
        "8",
        rpps,
        "8" + rpps,
        "1" if structure else "",
        structure,
        service,
        civility,
        family,
        given,
        "C",
        "Civil",
        profession[0],
        profession[1],
        speciality[0],
        speciality[1],
        "O",
        legal_name,
        "",
        "",
        "",
        "12",
        "",
        "R",
        "DE LA SANTÉ",
        "",
        f"{postcode} {city}",
        postcode,
        postcode[:2],
        "France",
    ]


def org_fields(
    address: str, structure: str, legal_name: str, service: str, *, postcode: str = "69003", city: str = "LYON"
) -> list[str]:
    """The 31 fields of an ORG mailbox line (no practitioner)."""
    return [
        "ORG",
        address,
        "",
        "",
        "",
        "1",
        structure,
        service,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "O",
        legal_name,
        "",
        "Bâtiment A",
        "",
        "3",
        "BIS",
        "AV",
        "DES HÔPITAUX",
        "",
        f"{postcode} {city} CEDEX 03",
        postcode,
        postcode[:2],
        "France",
    ]


def synthetic_lines(count: int, *, seed: int = 1, duplicates: int = 169) -> Iterator[str]:
    """`count` synthetic data lines (about 90 % PER, 10 % ORG), `duplicates` of them repeating an address."""
    repeat_every = max(count // (duplicates + 1), 1) if duplicates else 0
    for n in range(count):
        if repeat_every and n and n % repeat_every == 0 and n // repeat_every <= duplicates:
            n = n - 1  # the same address as the previous line (another structure)
        rng_n = random.Random(seed * 1_000_003 + n)  # noqa: S311  (invented data, not secrets)
        pool = rng_n.randrange(max(count // 6, 1))  # ~6 mailboxes a structure, as hospitals and practices mix
        postcode, city, _dept = CITIES[pool % len(CITIES)]
        structure = f"1{100_000_000 + pool:09d}"
        structure_name = f"{'CENTRE HOSPITALIER' if pool % 7 == 0 else 'CABINET'} SYNTHÉTIQUE {pool}"
        if n % 10 == 9:
            yield line(
                org_fields(
                    f"service{n}@{DOMAINS[n % len(DOMAINS)]}",
                    structure,
                    f"CENTRE HOSPITALIER SYNTHÉTIQUE {n % 997}",
                    rng_n.choice(("Cardiologie", "Urgences", "Secrétariat médical", "Laboratoire")),
                    postcode=postcode,
                    city=city,
                )
            )
            continue
        family = rng_n.choice(FAMILY) if rng_n.random() < 0.5 else _invented(rng_n).upper()
        given = rng_n.choice(GIVEN)
        rpps = f"{10_000_000_000 + n:011d}"
        yield line(
            per_fields(
                f"{_ascii(given)}.{_ascii(family)}.{n}@{DOMAINS[n % len(DOMAINS)]}",
                rpps,
                family,
                given,
                profession=rng_n.choice(PROFESSIONS),
                speciality=rng_n.choice(SPECIALITIES),
                structure=structure,
                legal_name=structure_name,
                postcode=postcode,
                city=city,
            )
        )


def _invented(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(2, 4)))


def _ascii(text: str) -> str:
    return fold(text).replace(" ", "-")
