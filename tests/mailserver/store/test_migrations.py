"""Migrations go up on SQLite and PostgreSQL, and the schema they create is the one the models declare."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from mailserver import runtime
from mailserver.store import Store, extensions
from mailserver.store import migrate as store_migrate
from mailserver.store.engine import create_engine
from mailserver.store.schema import metadata as store_metadata
from tests.mailserver.store.imap_corpus import fill, mailbox, scalar


def _all_metadata() -> list[MetaData]:
    extensions.load_all()
    found = [store_metadata]
    try:
        from directory.models import metadata as directory_metadata
    except ImportError:  # the directory has no tables yet
        return found
    return [*found, directory_metadata]


async def test_migrated_schema_equals_the_models(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync,
                        opts={"compare_type": True, "include_name": lambda name, *_: extensions.is_managed(name)},
                    ),
                    _all_metadata(),
                )
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_no_migration_is_pending_after_upgrade_and_upgrade_is_idempotent(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        assert await store_migrate.pending(engine, runtime.migration_locations()) == []
        await store_migrate.upgrade(engine, runtime.migration_locations())
        assert await store_migrate.pending(engine, runtime.migration_locations()) == []
    finally:
        await engine.dispose()


async def test_empty_database_reports_every_revision_pending(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        todo = await store_migrate.pending(engine, runtime.migration_locations())
        assert "0001_mail" in todo
    finally:
        await engine.dispose()


async def test_0360_is_not_downgraded_while_message_text_awaits_extraction(store: Store) -> None:
    """Before 0360 an empty body text was the text itself: a downgrade with pending rows would lose their text to
    SEARCH, so it is refused until the indexer has caught up, and then goes down and up again."""
    box, places = await mailbox(store), runtime.migration_locations()
    store.mail.pause_indexing()
    await fill(store, box.id, 2)
    with pytest.raises(RuntimeError, match="2 message texts are not extracted yet"):
        await store_migrate.downgrade(store.engine, "0350_imap_deferred_search_fields", places)
    assert await store_migrate.pending(store.engine, places) == []  # nothing was undone
    await store.mail.index_text()
    await store_migrate.downgrade(store.engine, "0350_imap_deferred_search_fields", places)
    assert await store_migrate.pending(store.engine, places) == ["0360_imap_text_extracted_later"]
    await store_migrate.upgrade(store.engine, places)
    assert await scalar(store, "SELECT count(*) FROM message_text WHERE pending") == 0
