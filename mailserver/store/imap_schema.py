"""The tables IMAP needs beside the mail store's own: search fields, \\Noselect names and UIDVALIDITY counters.

Owns `message_search` and `message_text` (one row each per stored message, written at delivery in the delivery's
transaction: the header fields SEARCH, SORT and THREAD use; the header and body text), `noselect_folders`
(RFC 3501 §6.3.4: a deleted folder that still has children keeps its name as \\Noselect) and
`uidvalidity_counters` (RFC 3501 §2.3.1.1: a name never gets the same UIDVALIDITY twice), `folder_snapshots` (the
SELECT snapshot of big folders, kept between processes), and the names of the full-text objects the migration
creates.

Search text is stored casefolded (`str.casefold`): substring tests are then exact and backend-independent, and
the full-text indexes only accelerate them:
- SQLite: FTS5 external-content tables with the trigram tokenizer (case-sensitive over folded text), kept in
  sync by triggers; phrase queries of 3 characters or more are exact substring tests.
- PostgreSQL: pg_trgm GIN indexes; `LIKE '%needle%'` on the folded columns is exact, the index a superset. The
  text columns' indexes are partial: rows still `pending` (delivered, not yet reached by the background indexer)
  are tested without them.
Objects outside `metadata` carry the prefix `fts_` (see `extensions.UNMANAGED_PREFIX`). Never import a protocol.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, LargeBinary, String, Table, Text, false

from mailserver.store.schema import Id, Stamp, metadata

message_search = Table(
    "message_search",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    # Small columns first: SQLite reads a row up to the column it needs, and the text columns overflow pages.
    Column("sent_at", Stamp, nullable=True),  # the Date header as an instant (UTC): SORT DATE (RFC 5256 §3)
    Column("sent_on", Date, nullable=True),  # the Date header's own calendar day: SENTBEFORE/SENTON/SENTSINCE
    # SORT and THREAD keys (RFC 5256).
    Column("base_subject", Text, nullable=False),  # §2.1, i;ascii-casemap key
    Column("subject_is_reply", Boolean, nullable=False),  # §2.1: steps 2, 3 or 6 removed something
    Column("sort_from", String(320), nullable=False),  # §3: addr-mailbox of the first From address
    Column("sort_to", String(320), nullable=False),
    Column("sort_cc", String(320), nullable=False),
    Column("in_reply_to", Text, nullable=True),
    Column("refs", Text, nullable=False),  # References message ids, space-separated, in order
    # Casefolded, decoded text (RFC 2047): SEARCH FROM/TO/CC/BCC/SUBJECT are substring tests on these.
    Column("from_field", Text, nullable=False),
    Column("to_field", Text, nullable=False),
    Column("cc_field", Text, nullable=False),
    Column("bcc_field", Text, nullable=False),
    Column("subject_field", Text, nullable=False),
)

# The big texts live apart, so that the rows SORT, THREAD and field SEARCH read stay small (many to a page).
message_text = Table(
    "message_text",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("header_text", Text, nullable=False),  # "\nname: value" per field, name lower-case, value folded
    Column("body_text", Text, nullable=False),  # readable text of the body, blanks collapsed, bounded
    # PostgreSQL: not yet in the partial GIN indexes (`imap_textindex`); always false on SQLite (its watermark).
    Column("pending", Boolean, nullable=False, server_default=false()),
)

noselect_folders = Table(
    "noselect_folders",
    metadata,
    Column("folder_id", Id, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
)

uidvalidity_counters = Table(
    "uidvalidity_counters",
    metadata,
    Column("mailbox_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True),
    Column("last", BigInteger, nullable=False),  # the highest UIDVALIDITY ever given in this mailbox
)

# The SELECT snapshot of a big folder as last read (`imap_snapshot`), so that a new process opens it by reading one
# row and the changes since, as Dovecot does with its index files. Valid for its UIDVALIDITY; brought up to date
# from the rows and expunges above its HIGHESTMODSEQ. Holds UIDs, modseqs and flags, never content.
folder_snapshots = Table(
    "folder_snapshots",
    metadata,
    Column("folder_id", Id, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uidnext", BigInteger, nullable=False),
    Column("highestmodseq", BigInteger, nullable=False),  # every change up to this modseq is in `data`
    Column("data", LargeBinary, nullable=False),  # `imap_snapshot.encode`
)

# Created by migration 0300_imap outside `metadata` (its DDL is written out literally in that revision): on SQLite
# one FTS5 table per search table, on PostgreSQL one GIN index per indexed column.
FTS_TABLES = {"message_search": "fts_message_search", "message_text": "fts_message_text"}
PG_INDEXED = ("from_field", "to_field", "subject_field", "header_text", "body_text")
