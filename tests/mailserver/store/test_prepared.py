"""The raw SQLite runner stores exactly what SQLAlchemy would: the same row through both, read back alike."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select, update

from mailserver.store import Store
from mailserver.store.batch_writer import BatchWriter
from mailserver.store.engine import writer
from mailserver.store.imap_schema import message_search
from mailserver.store.prepared import SqlAlchemyRunner, runner
from mailserver.store.schema import blobs, folders, messages
from tests.mailserver.store.imap_corpus import mailbox

INSERT_BLOB = blobs.insert()
INSERT_MESSAGE = messages.insert()
INSERT_SEARCH = message_search.insert()
SEARCH_ROW = select(message_search.c.message_id).where(message_search.c.message_id == bindparam("id"))
NEXT_UID = (
    update(folders)
    .where(folders.c.id == bindparam("fid"))
    .values(uidnext=folders.c.uidnext + 1)
    .returning(folders.c.uidnext)
)


def _search_values(message_id: int) -> dict[str, object]:
    return {
        "message_id": message_id,
        "sent_at": datetime(2025, 1, 13, 8, 30, 1, 123456, tzinfo=UTC),
        "sent_on": date(2025, 1, 13),
        "base_subject": "compte rendu",
        "subject_is_reply": True,
        "sort_from": "claire",
        "sort_to": "",
        "sort_cc": "",
        "in_reply_to": None,
        "refs": "<a@b>",
        "from_field": "claire martin",
        "to_field": "",
        "cc_field": "",
        "bcc_field": "",
        "subject_field": "re: compte rendu",
    }


async def test_both_runners_write_the_same_rows(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("the raw runner is SQLite's; PostgreSQL delivers on asyncpg (mail_postgres)")
    box = await mailbox(store)
    now = datetime(2026, 11, 26, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    cache: dict = {}  # type: ignore[type-arg]
    shas = itertools.count(1)

    def write(conn, make) -> tuple[int, int]:  # type: ignore[no-untyped-def]
        run = make(conn)
        ids = []
        for _ in range(2):  # the second time through the compiled cache
            sha = next(shas).to_bytes(32, "big")
            blob = run.insert(INSERT_BLOB, {"sha256": sha, "size": 1, "key_id": "k", "data": b"x"})
            message = {"blob_id": blob, "size": 1, "message_id_header": None, "summary": "{}", "created_at": now}
            ids.append(run.insert(INSERT_MESSAGE, message))
            run.run(INSERT_SEARCH, _search_values(ids[-1]))
        assert run.first(SEARCH_ROW, {"id": ids[-1]}) == (ids[-1],)
        assert run.first(SEARCH_ROW, {"id": -1}) is None
        return ids[0], ids[1]

    async with store.engine.connect() as conn:
        fid = (await conn.execute(select(folders.c.id).where(folders.c.mailbox_id == box.id))).scalars().first()
    batches = BatchWriter(store.engine)  # a sqlite3 connection in a writer thread, as delivery uses
    try:
        raw_ids = await batches.run(lambda c: write(c, lambda c: runner(c, cache)))
        sa_ids = await batches.run(lambda c: write(c, SqlAlchemyRunner))
        before = await batches.run(lambda c: runner(c, cache).first(NEXT_UID, {"fid": fid}))
        after = await batches.run(lambda c: SqlAlchemyRunner(c).first(NEXT_UID, {"fid": fid}))
        async with writer(store.engine).begin() as conn:  # aiosqlite under run_sync: SQLAlchemy's runner
            assert isinstance(await conn.run_sync(lambda c: runner(c, cache)), SqlAlchemyRunner)
    finally:
        batches.close()
    assert before is not None and after is not None and after[0] == before[0] + 1  # `uidnext + 1`'s literal bound
    async with store.engine.connect() as conn:
        rows = {
            r.message_id: r for r in await conn.execute(select(message_search, messages.c.created_at).join(messages))
        }
    for raw_id, sa_id in zip(raw_ids, sa_ids, strict=True):
        raw_row, sa_row = rows[raw_id]._asdict(), rows[sa_id]._asdict()
        raw_row.pop("message_id"), sa_row.pop("message_id")
        assert raw_row == sa_row
        assert raw_row["sent_on"] == date(2025, 1, 13) and raw_row["subject_is_reply"] is True
