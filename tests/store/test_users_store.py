"""Creating a user's row is safe when two requests of the same new user race."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from store.db import make_engine, session_factory, transaction
from store.models import SlackUser
from store.users import ensure_user


def test_concurrent_first_requests_create_one_user(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            barrier.wait()
            with transaction(new_session) as session:
                ensure_user(session, team_id="T1", user_id="URACE")
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with transaction(new_session) as session:
        rows = session.exec(select(SlackUser).where(SlackUser.user_id == "URACE")).all()
    engine.dispose()
    if errors and "database is locked" in str(errors[0]):
        pytest.fail(f"SQLite busy timeout too short: {errors[0]}")
    assert errors == [] and len(rows) == 1
