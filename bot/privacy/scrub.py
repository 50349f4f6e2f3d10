"""Make deleted rows unreadable in a SQLite file: rebuild it and empty its write-ahead log.

A `DELETE` in SQLite only marks space free: the text stays in the file until overwritten,
and in WAL mode the old pages also stay in the `-wal` file until a checkpoint. Every Relais
connection sets `PRAGMA secure_delete=ON` (freed cells are zeroed), but a row changed in
place before (a message marked sent, a contact updated) may have left older copies in free
space; `VACUUM` rewrites the file from the live rows only, and a `TRUNCATE` checkpoint copies
the log back and cuts it to zero bytes. On PostgreSQL deleted rows are gone for every query
at once, and the database's own VACUUM reclaims their space: nothing to do here.
"""

from __future__ import annotations

import time

from sqlalchemy.engine import Engine

CHECKPOINT_TRIES = 100
CHECKPOINT_PAUSE = 0.05


def scrub(engine: Engine) -> bool:
    """VACUUM and TRUNCATE-checkpoint a SQLite database (True when the log was emptied;
    False if readers of another process kept it busy for ~5 s). Other engines: True."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as plain:
        conn = plain.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("PRAGMA secure_delete=ON")
        conn.exec_driver_sql("VACUUM")
        for _ in range(CHECKPOINT_TRIES):
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            if busy is None or not busy[0]:
                return True
            time.sleep(CHECKPOINT_PAUSE)
    return False
