"""After a bulk insert on PostgreSQL: the planner's statistics, settled at once (pg_trgm's pending entries:
store/text_upkeep.py, run by the import right after).

A lead import COPYs thousands of rows (bot/imports/leads.py). Until the server's autovacuum gets to the
table, its statistics do not know them (plans for the importing rep are chosen as if they had none), and
pg_trgm's GIN index keeps them in its pending list, which every trigram search then reads in full (9-13 ms
instead of 0.2-0.5 ms per search of 10,000 leads, bench/ack_latency.py). Autovacuum may take a long while:
it analyzes a table after changes to a tenth of its rows and vacuums it after inserts of a fifth, so an
import of 10,000 leads into a workspace of 1M waits for later writes, and a server run without autovacuum
never settles them. SQLite is left alone: its plans are chosen without ANALYZE statistics on purpose
(store/text_search.py).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

SETTLE_AFTER = 1_000  # rows inserted: fewer are left to autovacuum (an ANALYZE samples up to 30,000 rows)


def settle_after_bulk_insert(engine: Engine, table: str, rows: int) -> None:
    """ANALYZE `table` after `rows` were inserted (PostgreSQL, SETTLE_AFTER rows or more; the trigram index's
    pending list is store/text_upkeep.py's, which the import runs next). A failure (e.g. a database user that
    does not own the table) is logged: the rows are in, only their plans wait for autovacuum."""
    if engine.dialect.name != "postgresql" or rows < SETTLE_AFTER:
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"ANALYZE {table}")
    except sa.exc.DBAPIError:
        log.warning("could not settle %s after a bulk insert of %d rows", table, rows, exc_info=True)
