"""The state db (SQLite, WAL): instances, history per execution, messages, activity work, timers.

Everything an episode changes is written in one transaction (history appended, delivered
messages deleted, new work and timer messages inserted), so a SIGKILL at any point leaves either
the state before the episode or after it — never a lost or half-written history event. Only the
event-loop thread uses the connection.

Checkpoints (copying the WAL into the db file, with an fsync) run in a thread of their own on a
second connection, not inside a commit on the event loop as SQLite's automatic checkpoint would:
a commit that happened to checkpoint stalled every episode and HTTP request for as long as the
fsync took (milliseconds, tens of them on a busy disk). Commits themselves are unchanged (WAL,
synchronous=NORMAL): what a commit wrote is in the WAL, and the WAL is replayed on the next open.
"""

# SQL text is built only from the constant column names above; every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import fcntl
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    parent_instance_id TEXT,
    parent_execution_id TEXT,
    parent_task_id INTEGER,
    parent_retry TEXT,
    actions_seen INTEGER NOT NULL DEFAULT 0,
    next_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS instances_created ON instances(created);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    visible_at REAL NOT NULL,
    tag TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_instance ON messages(instance_id, id);
CREATE INDEX IF NOT EXISTS messages_tag ON messages(instance_id, tag);
CREATE TABLE IF NOT EXISTS work (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    entity_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT,
    last_op REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS timer_triggers (
    name TEXT PRIMARY KEY,
    last REAL,
    next REAL,
    updated REAL
);
"""


log = logging.getLogger("devhost.store")
CHECKPOINT_SECONDS = 0.25  # how often the checkpointer looks for new commits


class StateInUse(RuntimeError):
    """Another devhost holds the state db."""


FINAL = {"Completed", "Failed", "Terminated", "Canceled"}
INSTANCE_COLUMNS = (
    "instance_id, name, execution_id, status, input, output, custom_status, created, updated, "
    "parent_instance_id, parent_execution_id, parent_task_id, parent_retry, actions_seen, next_id"
)


class Store:
    """Thin typed access to the state db. Methods do not commit; wrap writes in `transaction()`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # one host per state db: a second one would deliver the same messages twice
        self._lock_file = open(path.with_name(path.name + ".lock"), "w")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock_file.close()
            raise StateInUse(f"state db {path} is in use by another devhost") from exc
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it
        self.db.executescript(SCHEMA)
        self._commits = 0
        self._closing = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="checkpoint", daemon=True)
        self._checkpointer.start()

    def close(self) -> None:
        self._closing.set()
        self._checkpointer.join()
        self.db.close()  # the last connection to close checkpoints what is left and removes the WAL
        self._lock_file.close()

    def _checkpoint_loop(self) -> None:
        """Copy committed WAL frames into the db file, off the event loop (see the module docstring)."""
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            seen = self._commits
            while not self._closing.wait(CHECKPOINT_SECONDS):
                if self._commits == seen:
                    continue
                seen = self._commits
                try:  # PASSIVE: never waits for, nor blocks, the event loop's readers and writers
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the WAL keeps the commits; tried again after the next
                    log.warning("checkpoint of %s failed: %s", self.path, exc)
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        self._commits += 1

    # -- meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- instances
    def get_instance(self, instance_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE instance_id = ?", (instance_id,)
        ).fetchone()
        return None if row is None else dict(row)

    def put_instance(self, row: dict[str, Any]) -> None:
        cols = INSTANCE_COLUMNS.split(", ")
        self.db.execute(
            f"INSERT OR REPLACE INTO instances ({INSTANCE_COLUMNS}) VALUES ({', '.join('?' for _ in cols)})",
            [row.get(c) for c in cols],
        )

    def update_instance(self, instance_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE instances SET {sets} WHERE instance_id = ?", [*fields.values(), instance_id])

    def query_instances(
        self,
        created_from: float | None = None,
        created_to: float | None = None,
        statuses: list[str] | None = None,
        prefix: str | None = None,
    ) -> list[dict[str, Any]]:
        sql = f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE 1 = 1"
        args: list[Any] = []
        if created_from is not None:
            sql += " AND created >= ?"
            args.append(created_from)
        if created_to is not None:
            sql += " AND created <= ?"
            args.append(created_to)
        if statuses:
            sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
            args.extend(statuses)
        if prefix:
            sql += " AND substr(instance_id, 1, ?) = ?"
            args.extend([len(prefix), prefix])
        return [dict(r) for r in self.db.execute(sql + " ORDER BY created, instance_id", args)]

    def delete_instance(self, instance_id: str) -> None:
        for table in ("instances", "history", "messages", "work"):
            self.db.execute(f"DELETE FROM {table} WHERE instance_id = ?", (instance_id,))

    def unfinished_instance_ids(self) -> list[str]:
        rows = self.db.execute(
            "SELECT instance_id FROM instances "
            "WHERE status NOT IN ('Completed', 'Failed', 'Terminated', 'Canceled')"
        )
        return [r[0] for r in rows]

    # -- history
    def load_history(self, instance_id: str) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.load_history_texts(instance_id)]

    def load_history_texts(self, instance_id: str) -> list[str]:
        """The history's events as stored (each `json.dumps` of the event)."""
        rows = self.db.execute("SELECT event FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [str(r[0]) for r in rows]

    def append_history(self, instance_id: str, start_seq: int, events: list[dict[str, Any]]) -> None:
        self.append_history_texts(instance_id, start_seq, [json.dumps(e) for e in events])

    def append_history_texts(self, instance_id: str, start_seq: int, texts: list[str]) -> None:
        self.db.executemany(
            "INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)",
            [(instance_id, start_seq + i, text) for i, text in enumerate(texts)],
        )

    def clear_history(self, instance_id: str) -> None:
        self.db.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))

    # -- messages (events waiting for delivery; durable timers are messages visible later)
    def add_message(
        self,
        instance_id: str,
        execution_id: str,
        body: dict[str, Any],
        visible_at: float,
        tag: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO messages (instance_id, execution_id, visible_at, tag, body) VALUES (?, ?, ?, ?, ?)",
            (instance_id, execution_id, visible_at, tag, json.dumps(body)),
        )

    def messages_for(self, instance_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT id, execution_id, visible_at, body FROM messages WHERE instance_id = ? ORDER BY id",
            (instance_id,),
        )
        return [{"id": r[0], "execution_id": r[1], "visible_at": r[2], **json.loads(r[3])} for r in rows]

    def delete_messages(self, ids: list[int]) -> None:
        self.db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in ids])

    def delete_tagged(self, instance_id: str, tags: list[str]) -> None:
        self.db.executemany(
            "DELETE FROM messages WHERE instance_id = ? AND tag = ?", [(instance_id, t) for t in tags]
        )

    def delete_instance_messages(self, instance_id: str) -> None:
        self.db.execute("DELETE FROM messages WHERE instance_id = ?", (instance_id,))

    def message_schedule(self) -> list[tuple[str, float]]:
        """(instance, earliest visible_at) for every instance with messages: the scheduler's start-up view."""
        rows = self.db.execute("SELECT instance_id, MIN(visible_at) FROM messages GROUP BY instance_id")
        return [(r[0], float(r[1])) for r in rows]

    # -- activity work (in flight; re-run after a crash: at-least-once)
    def add_work(self, instance_id: str, execution_id: str, body: dict[str, Any]) -> int:
        cur = self.db.execute(
            "INSERT INTO work (instance_id, execution_id, body) VALUES (?, ?, ?)",
            (instance_id, execution_id, json.dumps(body)),
        )
        return int(cur.lastrowid or 0)

    def delete_work(self, work_id: int) -> None:
        self.db.execute("DELETE FROM work WHERE id = ?", (work_id,))

    def all_work(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT id, instance_id, execution_id, body FROM work ORDER BY id")
        return [{"id": r[0], "instance_id": r[1], "execution_id": r[2], **json.loads(r[3])} for r in rows]

    # -- durable entities (a row exists while the entity exists; its requests are messages)
    def get_entity(self, entity_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT entity_id, name, key, state, last_op FROM entities WHERE entity_id = ?", (entity_id,)
        ).fetchone()
        return None if row is None else dict(row)

    def put_entity(self, entity_id: str, name: str, key: str, state: str | None, last_op: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO entities (entity_id, name, key, state, last_op) VALUES (?, ?, ?, ?, ?)",
            (entity_id, name, key, state, last_op),
        )

    def delete_entity(self, entity_id: str) -> None:
        self.db.execute("DELETE FROM entities WHERE entity_id = ?", (entity_id,))

    def query_entities(self, name: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT entity_id, name, key, state, last_op FROM entities WHERE name = ? ORDER BY key", (name,)
        )
        return [dict(r) for r in rows]

    # -- timer triggers (schedule monitor)
    def timer_status(self, name: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT last, next, updated FROM timer_triggers WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else dict(row)

    def set_timer_status(self, name: str, last: float | None, next_: float, updated: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO timer_triggers (name, last, next, updated) VALUES (?, ?, ?, ?)",
            (name, last, next_, updated),
        )
