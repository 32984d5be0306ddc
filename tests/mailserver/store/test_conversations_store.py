"""Patient conversations: messages a patient received, looked up by Message-ID, and closed threads."""

from __future__ import annotations

from datetime import date

from mailserver.store import Store, utcnow
from mailserver.store.conversations import PatientThreads


async def test_received_messages_and_closed_threads_are_found_by_message_id(store: Store) -> None:
    patient = await store.accounts.add_patient(
        "279035121518989",
        "patient.example.test",
        birth_name="DUPONT",
        first_names="MARIE",
        birth_date=date(1979, 3, 5),
        sex="F",
    )
    threads = PatientThreads(store.engine, utcnow)
    await threads.record(patient.mailbox_id, "<m1@x>", "<m1@x>", ["dr@example.test"], False)
    await threads.record(patient.mailbox_id, "<m1@x>", "<m1@x>", ["dr@example.test"], False)  # idempotent
    await threads.record(patient.mailbox_id, "<m2@x>", "<m1@x>", ["dr@example.test", "sec@example.test"], True)
    found = await threads.received(patient.mailbox_id, ["<m2@x>", "<other@y>"])
    assert [(m.message_id, m.thread_root, m.closes) for m in found] == [("<m2@x>", "<m1@x>", True)]
    assert found[0].correspondents == {"dr@example.test", "sec@example.test"}
    assert await threads.closed_roots(patient.mailbox_id, ["<m1@x>", "<z@z>"]) == {"<m1@x>"}
    assert await threads.received(patient.mailbox_id + 1000, ["<m1@x>"]) == []
