"""Quote and order numbers: claimed atomically per workspace and kind, never twice under concurrency."""

from __future__ import annotations

import threading

from store.db import make_engine, session_factory, transaction
from store.quotes import claim_number


def test_concurrent_claims_never_share_a_number(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def claim_many() -> None:
        barrier.wait()
        for _ in range(15):
            with transaction(new_session) as session:
                number = claim_number(session, team_id="T1", kind="quote")
            with lock:
                claimed.append(number)

    threads = [threading.Thread(target=claim_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with transaction(new_session) as session:
        other_team = claim_number(session, team_id="T2", kind="quote")
        orders = claim_number(session, team_id="T1", kind="order")
    engine.dispose()
    assert sorted(claimed) == list(range(1, 61))
    assert (other_team, orders) == (1, 1)
