"""ID, ENABLE, NOOP and CHECK."""

from __future__ import annotations

from mailserver.store import Store
from tests.mailserver.imap.conftest import USER, Talk, fill, tagged


async def test_id_names_the_server_and_ignores_the_clients_values(talk: Talk) -> None:
    answer = await talk.cmd('a1 ID ("name" "Thunderbird" "version" "128.0")')
    assert answer == b'* ID ("name" "Caducee" "vendor" "Caducee")\r\na1 OK ID completed\r\n'
    assert tagged(await talk.cmd("a2 ID NIL"), "a2") == b"a2 OK ID completed"


async def test_enable_lists_what_it_newly_enabled(talk: Talk) -> None:
    await talk.login()
    assert await talk.cmd("a1 ENABLE QRESYNC X-UNKNOWN") == b"* ENABLED QRESYNC\r\na1 OK ENABLE completed\r\n"
    assert talk.session.condstore and talk.session.qresync
    assert await talk.cmd("a2 ENABLE CONDSTORE UTF8=ACCEPT") == b"* ENABLED UTF8=ACCEPT\r\na2 OK ENABLE completed\r\n"


async def test_enable_is_refused_once_a_mailbox_is_selected(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 SELECT INBOX")
    assert tagged(await talk.cmd("a2 ENABLE CONDSTORE"), "a2") == b"a2 BAD Command not valid in this state"


async def test_noop_and_check_deliver_pending_updates(talk: Talk, store: Store) -> None:
    await talk.login()
    await talk.cmd("a1 SELECT INBOX")
    await fill(store, USER, 2)
    assert await talk.cmd("a2 CHECK") == b"* 2 EXISTS\r\na2 OK CHECK completed\r\n"
    assert await talk.cmd("a3 NOOP") == b"a3 OK NOOP completed\r\n"
