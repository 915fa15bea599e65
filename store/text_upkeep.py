"""Upkeep of the text indexes searches read (store/text_search.py): few segments on SQLite, an empty
pending list on PostgreSQL. Run after a bulk write (a CSV import) and every minute by the scheduler.

SQLite: FTS5 writes each transaction's entries as a new segment (a b-tree of its own), and a phrase query
seeks each of its trigrams in every segment. FTS5 merges segments as it writes (automerge: four of a level,
once 64 leaf pages were written; crisismerge: sixteen at once), so an index written a row per transaction
holds up to ~16 one-page segments plus two or three per level above, and a bulk load 7 (10,000 leads) to
24 (1M deals, `rebuild`). The merged index costs a probe 43-59 % fewer instructions for a text in many
deals and 86 % fewer for one in none (1M deals, 24 segments -> 2; docs/performance.md, "FTS5 upkeep").
`tidy_text_indexes` runs FTS5's `merge` command with `usermerge` 2 (a level holding two segments is merged,
not four), STEP_PAGES pages per transaction so a writer waits at most one step, until nothing is left to
merge or the budget is spent: at most one segment per level remains, each page rewritten about once per
level it climbs. `whole` (hourly) then merges what remains into one segment (a negative `merge`: FTS5's
`optimize` in steps), which rewrites the whole index (1M deals: 6,900 pages, ~1.5 s) but is worth it: a
term found in one segment is read without copying its positions, in two or more it is not (10,000 leads:
a probe 20-55 % fewer instructions in one segment than in two, one of them 2 pages).

PostgreSQL: a pg_trgm GIN index takes new entries into its pending list (fastupdate), which every search
scans until VACUUM or `gin_clean_pending_list` moves them into the index (a bulk insert left 9-13 ms per
search of 10,000 leads instead of 0.2-0.5, bench/ack_latency.py). The upkeep calls gin_clean_pending_list,
whose work is bounded by the list's size (gin_pending_list_limit, 4 MB by default), on the indexes the
database user owns (another's: autovacuum's work, skipped).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.text_search import FTS_TABLES

log = logging.getLogger("salesbot.store.text_upkeep")

STEP_PAGES = 64  # pages one merge step writes (~12 ms at 1M deals): the longest a writer waits for the upkeep
UPKEEP_PAGES = 4096  # per index and minutely run (~16 MB, ~1 s); a merge left unfinished continues next run
# per index and hourly run: the whole index of 1M deals 4 times over. A write between two steps of a whole
# merge makes FTS5 start it again over every segment (the part already merged is one of them), so a busy
# index may take more than one pass; the bound keeps that from running on.
WHOLE_PAGES = 32768
USERMERGE = 2
TRIGRAM_GIN = {"lead": "ix_lead_search_trgm", "opportunity": "ix_opportunity_search_trgm"}
# to_regclass: an index missing (a schema before migration 0007) is no error
_PENDING = sa.text(
    "SELECT c.relname, gin_clean_pending_list(c.oid) FROM pg_class c "
    "WHERE c.oid IN (SELECT to_regclass(n) FROM unnest(CAST(:names AS text[])) AS n) "
    "AND pg_has_role(c.relowner, 'USAGE')"
)


def tidy_text_indexes(
    engine: Engine,
    *,
    records: Iterable[str] = tuple(FTS_TABLES),
    max_pages: int | None = UPKEEP_PAGES,
    whole: bool = False,
) -> dict[str, int]:
    """Merge the text indexes of these record types (SQLite; `whole`: into one segment) or flush their
    pending lists (PostgreSQL); `max_pages` bounds the pages merged per index (None: until merged). Returns,
    per index that had work, the pages merged (SQLite, in STEP_PAGES) or moved out of the pending list."""
    if engine.dialect.name == "sqlite":
        steps = None if max_pages is None else max(1, max_pages // STEP_PAGES)
        merged = {FTS_TABLES[record]: _merge(engine, FTS_TABLES[record], steps, whole) for record in records}
        return {name: pages for name, pages in merged.items() if pages}
    if engine.dialect.name == "postgresql":
        return _clean_pending(engine, [TRIGRAM_GIN[record] for record in records])
    return {}


def _merge(engine: Engine, fts: str, steps: int | None, whole: bool) -> int:
    """Pages merged in `fts` by up to `steps` merge steps, one transaction each (None: until nothing is left):
    levels of two segments first, then (`whole`) everything into one."""
    with engine.connect() as connection:
        _set_usermerge(connection, fts)
        done = _steps(connection, fts, STEP_PAGES, steps)
        if whole:
            done += _steps(connection, fts, -STEP_PAGES, None if steps is None else steps - done)
    return done * STEP_PAGES


def _steps(connection: sa.Connection, fts: str, pages: int, steps: int | None) -> int:
    """Run FTS5's `merge` of `pages` (negative: all segments as one level) up to `steps` times, or until a step
    merges nothing, which FTS5 tells by the changes it counted: fewer than 2 (its documentation)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    done = 0
    while steps is None or done < steps:
        before = driver.total_changes  # type: ignore[attr-defined]
        connection.exec_driver_sql(f"INSERT INTO {fts}({fts}, rank) VALUES ('merge', {pages})")
        connection.commit()
        if driver.total_changes - before < 2:  # type: ignore[attr-defined]
            break
        done += 1
    return done


def _set_usermerge(connection: sa.Connection, fts: str) -> None:
    """FTS5's `usermerge` (kept in the index's config table) at USERMERGE; written only when it is not, since
    a config write makes every connection reload the index's configuration."""
    found = connection.exec_driver_sql(f"SELECT v FROM {fts}_config WHERE k = 'usermerge'").scalar()
    if found != USERMERGE:
        connection.exec_driver_sql(f"INSERT INTO {fts}({fts}, rank) VALUES ('usermerge', {USERMERGE})")
        connection.commit()


def _clean_pending(engine: Engine, names: list[str]) -> dict[str, int]:
    """gin_clean_pending_list of each of these indexes (in the search path) the database user owns."""
    with engine.begin() as connection:
        moved = connection.execute(_PENDING, {"names": names}).all()
    return {name: int(pages) for name, pages in moved if pages}
