"""Time `mailserver.message.summarise` on typical messages and print a table (DESIGN.md §8).

Run: `.venv/bin/python bench/message_summary.py`. Prints microseconds per message; no reference server is
involved because the work is pure CPU inside one process.
"""

from __future__ import annotations

import os
import timeit
from email.message import EmailMessage
from email.policy import SMTP

from mailserver.message import summarise


def text_message(size: int) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "Dr Martin <dr.martin@hopital-nord.mssante.fr>"
    message["To"] = "secretariat@cabinet.mssante.fr, Dr Bernard <bernard@cabinet.mssante.fr>"
    message["Subject"] = "Compte rendu de consultation été"
    message["Date"] = "Mon, 13 Jan 2025 09:30:00 +0100"
    message["Message-ID"] = "<bench@hopital-nord.mssante.fr>"
    line = "Le patient a été revu en consultation ce jour, examen clinique sans particularité.\n"
    message.set_content(line * max(1, size // len(line)))
    return message.as_bytes()


def mixed_message(size: int) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "labo@bio.mssante.fr"
    message["To"] = "dr@cab.mssante.fr"
    message["Subject"] = "XDM/1.0/DDM+Résultats DUPONT Jeanne 19790315"
    message.set_content("Résultats en pièce jointe.\n" * 20)
    message.add_alternative("<p>" + "Résultats <b>en pièce jointe</b>. " * 60 + "</p>", subtype="html")
    message.add_attachment(os.urandom(size), maintype="application", subtype="zip", filename="IHE_XDM.zip")
    message.add_attachment(os.urandom(size // 4), maintype="application", subtype="pdf", filename="cr.pdf")
    return message.as_bytes()


def main() -> None:
    cases = [
        ("text 4 KB", text_message(4_000)),
        ("text 100 KB", text_message(100_000)),
        ("mixed 100 KB", mixed_message(60_000)),
        ("mixed 1 MB", mixed_message(600_000)),
    ]
    print(f"{'message':<14} {'bytes':>9} {'µs/summary (best of 7)':>24}")
    for name, raw in cases:
        rounds = max(5, 500_000 // len(raw))
        best = min(timeit.repeat(lambda raw=raw: summarise(raw), number=rounds, repeat=7)) / rounds
        print(f"{name:<14} {len(raw):>9} {best * 1e6:>24.0f}")


if __name__ == "__main__":
    main()
