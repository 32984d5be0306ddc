"""The store as the IMAP server sees it: one object holding every IMAP-facing service over one `Store`.

Owns composition only: folders (`directory` to read, `folders` to edit), `messages` (SELECT snapshot, FETCH
metadata, summaries, bodies), `flags` (STORE, \\Seen, EXPUNGE), `copier` (COPY, MOVE, APPEND), `changes`
(CHANGEDSINCE, VANISHED, folder state), `search` (SEARCH, SORT, THREAD data), `feed` (IDLE push across processes)
and `gc` (unreferenced messages). Every write announces itself through `MailStore.publish` and, on PostgreSQL,
NOTIFY. Build one per process with `ImapView(store)`, `await view.start()` before IDLE is served, `await
view.close()` at shutdown. Never imports the IMAP layer (the store sits below it); returns plain dataclasses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from mailserver.store import Store, utcnow
from mailserver.store.imap_backfill import backfill_search_rows
from mailserver.store.imap_changes import ChangeReader
from mailserver.store.imap_copy import MessageCopier
from mailserver.store.imap_feed import DEFAULT_POLL_INTERVAL, ChangeFeed, FolderWatch
from mailserver.store.imap_flags import FlagWriter
from mailserver.store.imap_folder_edits import FolderEditor
from mailserver.store.imap_folders import FolderDirectory
from mailserver.store.imap_gc import DEFAULT_GRACE, GarbageCollector
from mailserver.store.imap_messages import DEFAULT_SUMMARY_CACHE, MessageReader
from mailserver.store.imap_search import Searcher
from mailserver.store.loop_reads import LoopReader


class ImapView:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        timezone: dt.tzinfo = dt.UTC,
        summary_cache: int = DEFAULT_SUMMARY_CACHE,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        gc_grace: dt.timedelta = DEFAULT_GRACE,
    ) -> None:
        engine, publish = store.engine, store.mail.publish
        self.store = store
        self.reads = LoopReader(engine)  # SELECT's folder row and the SQLite change poll, without thread hops
        self.directory = FolderDirectory(engine, self.reads)
        self.folders = FolderEditor(engine, clock, publish)
        self.messages = MessageReader(engine, store.mail, summary_cache=summary_cache)
        self.flags = FlagWriter(engine, publish)
        self.copier = MessageCopier(engine, store.mail, self.directory, publish)
        self.changes = ChangeReader(engine, self.reads)
        self.search = Searcher(engine, store.mail.search_texts, timezone=timezone)
        self.feed = ChangeFeed(engine, store.mail, poll_interval=poll_interval, reads=self.reads)
        self.gc = GarbageCollector(engine, clock, grace=gc_grace)

    async def start(self) -> None:
        """Start the change feed (LISTEN on PostgreSQL, the poll on SQLite), and compile the statements of SELECT
        and FETCH, so that the first user after a start does not wait for it."""
        await self.directory.prepare()
        await self.messages.prepare()
        await self.changes.highest_modseqs([0])  # the SQLite poll's statement, first run once a folder is selected
        await self.feed.start()

    async def close(self) -> None:
        await self.feed.close()
        await self.messages.close()
        self.reads.close()

    async def backfill_search_rows(self, *, max_messages: int = 1_000_000) -> int:
        """Index folder messages stored without search rows (e.g. before this store had them)."""
        return await backfill_search_rows(self.store.engine, self.store.mail, max_messages=max_messages)

    def watch(self, folder_id: int, modseq: int) -> FolderWatch:
        """IDLE: changes of a folder above the HIGHESTMODSEQ the session has reported."""
        return self.feed.watch(folder_id, modseq)
