"""Scratch databases for the benchmarks."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from store.db import make_engine, upgrade


@contextmanager
def scratch_database(kind: str, postgres_url: str, name: str) -> Iterator[str]:
    """A migrated database for one benchmark run: a temporary SQLite file, or a PostgreSQL schema of
    its own (`salesbot_bench_<name>_<pid>`) dropped afterwards."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp()
        url = f"sqlite:///{folder}/bench.db"
        upgrade(make_engine(url))
        yield url
        shutil.rmtree(folder)
        return
    schema = f"salesbot_bench_{name}_{os.getpid()}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{postgres_url}{'&' if '?' in postgres_url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
