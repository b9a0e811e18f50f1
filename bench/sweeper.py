"""Deadline sweeper bench: the cost of a sweep follows the number of timers due, not the
number of orders (or timers) in the database.

For PostgreSQL (a dedicated database, dropped and recreated) and SQLite (a temp file) the
bench builds the schema with the migrations, then bulk-generates orders in SQL
(``INSERT ... SELECT`` over ``generate_series`` / a recursive CTE): realistic rows that pass
every CHECK and foreign key, mostly COMPLETED, DELIVERED and IN_TRANSIT, each status with
the future timers it really carries (DELIVERED: AUTO_COMPLETE; IN_TRANSIT: PACKAGE_LOST of
its package; AWAITING_SHIPMENT: LATE_DISPATCH and SHIP_DUE), so the timers table is large
too. On top come ``--due`` ON_HOLD orders (each with one line item) whose remorse window has
ended: their RELEASE_HOLD timers are the only ones due. It times one full sweep of them
through ``clipshop.worker.sweeper.sweep`` (the real rules: each order goes to
AWAITING_SHIPMENT and arms its next two timers), then grows the database to ``--big``
orders, adds the same number of due timers, and times the sweep again. The take-due query is
captured as the sweeper sends it and EXPLAINed (ANALYZE, BUFFERS) at each size.

    .venv/bin/python bench/sweeper.py                           # 1M then 10M (PostgreSQL)
    .venv/bin/python bench/sweeper.py --small 100000 --big 1000000 --sqlite
    .venv/bin/python bench/sweeper.py --no-postgres --sqlite --sqlite-big 5000000

``--url`` names the server; the bench connects to its ``postgres`` database only to drop
and create ``--db`` (default ``clipshop_bench_sweeper``). The report goes to stdout (and
``--output``); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.db import Database, normalise_url
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.deadlines.timers import take_due
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker.sweeper import SweepReport, sweep

PROTECTED_DATABASES = frozenset({"postgres", "test", "template0", "template1"})
SHOPS, BUYERS, PAYMENTS = 100, 1_000, 1_000
CHUNK = 1_000_000  # orders per INSERT ... SELECT (one transaction each)
DUE_BASE = 10**11  # ids of the due ON_HOLD orders (bulk orders are 1..N)
DAY, HOUR = 86_400, 3_600
ADDRESS = (
    '{"name": "Bench Buyer", "phone": "+1 555 0100", "address_line1": "2 Elm St", '
    '"address_line2": null, "city": "Springfield", "state": "IL", "postal_code": "62702", '
    '"country": "US"}'
)
ORDER_COLUMNS = """id, shop_id, buyer_id, payment_id, status, currency,
    original_total_product_price, seller_discount, platform_discount, sub_total,
    original_shipping_fee, shipping_fee_seller_discount, shipping_fee_platform_discount,
    shipping_fee, tax, total_amount, shipping_service, delivery_min_days, delivery_max_days,
    recipient_address, review_hold, paid_at, hold_until, updated_at, created_at, region,
    cancel_order_sla_time, rts_sla_time, shipping_due_time, delivery_sla_time, rts_time,
    tts_sla_time, delivery_due_time, delivered_at, completed_at, late_dispatch"""
# Bulk order g: status by g % 100 (60 COMPLETED, 20 DELIVERED, 15 IN_TRANSIT, 5 awaiting
# shipment), placed c (Unix seconds) long enough ago for that status; price 10.00 to 99.99
# less 10% seller discount, 4.99 shipping, 7% tax.
BULK = f"""SELECT g, status, price, price / 10 AS discount, price - price / 10 AS sub_total,
    {{t0}} - CASE status
        WHEN 'COMPLETED' THEN 40 * {DAY} + (g % 300) * {DAY}
        WHEN 'DELIVERED' THEN 6 * {DAY} + g % (20 * {DAY})
        WHEN 'IN_TRANSIT' THEN 2 * {DAY} + g % (2 * {DAY})
        ELSE g % {DAY} END AS c
    FROM (SELECT g, 1000 + (g * 7919) % 9000 AS price,
        CASE WHEN g % 100 < 60 THEN 'COMPLETED' WHEN g % 100 < 80 THEN 'DELIVERED'
            WHEN g % 100 < 95 THEN 'IN_TRANSIT' ELSE 'AWAITING_SHIPMENT' END AS status
        FROM {{series}}) AS s"""
# The future timers each status really carries, due (seconds after placement): DELIVERED
# auto-completes 30 days after delivery (day 5); IN_TRANSIT's package (collected on day 1)
# is lost on day 13; AWAITING_SHIPMENT: LATE_DISPATCH at rts, SHIP_DUE at shipping_due_time.
TIMER_KINDS = (
    ("AUTO_COMPLETE", "DELIVERED", "g", 35 * DAY),
    ("PACKAGE_LOST", "IN_TRANSIT", "10000000000000000 + g", 13 * DAY),
    ("LATE_DISPATCH", "AWAITING_SHIPMENT", "g", 2 * DAY + HOUR),
    ("SHIP_DUE", "AWAITING_SHIPMENT", "g", 9 * DAY + HOUR),
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def timed(label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    log(f"{label}: {time.perf_counter() - start:.1f} s")


class Dialect(Protocol):
    name: str

    def series(self, lo: int, hi: int) -> str: ...
    def ts(self, epoch: str) -> str: ...
    def json(self, text: str) -> str: ...


class PgDialect:
    name = "postgresql"

    def series(self, lo: int, hi: int) -> str:
        return f"generate_series({lo}::bigint, {hi}::bigint) AS series(g)"

    def ts(self, epoch: str) -> str:
        return f"to_timestamp({epoch})"

    def json(self, text: str) -> str:
        return f"'{text}'::json"


class SqliteDialect:
    name = "sqlite"

    def series(self, lo: int, hi: int) -> str:
        return (
            f"(WITH RECURSIVE r(g) AS (SELECT {lo} UNION ALL SELECT g + 1 FROM r "
            f"WHERE g < {hi}) SELECT g FROM r) AS series"
        )

    def ts(self, epoch: str) -> str:  # SQLAlchemy's own text format for DateTime
        return f"strftime('%Y-%m-%d %H:%M:%S', {epoch}, 'unixepoch') || '.000000'"

    def json(self, text: str) -> str:
        return f"'{text}'"


def fixtures_sql(d: Dialect, t0: int) -> list[str]:
    now = d.ts(str(t0))
    return [
        f"""INSERT INTO shops (id, name, region, currency, shop_type, verified, created_at)
        SELECT g, 'Bench shop ' || g, 'US', 'USD', 'LOCAL', false, {now}
        FROM {d.series(1, SHOPS)}""",
        f"""INSERT INTO warehouses (id, shop_id, name, address_line1, city, state,
            postal_code, country, is_default, created_at)
        SELECT g, g, 'DC ' || g, '1 Main St', 'Springfield', 'IL', '62701', 'US', true, {now}
        FROM {d.series(1, SHOPS)}""",
        f"""INSERT INTO products (id, shop_id, title, description, status, updated_at,
            created_at)
        SELECT g, g, 'Tee', '', 'ACTIVE', {now}, {now} FROM {d.series(1, SHOPS)}""",
        f"""INSERT INTO skus (id, shop_id, product_id, seller_sku, name, attributes, price,
            currency, weight_grams, active, auto_delist, updated_at, created_at)
        SELECT g, g, g, 'TEE-' || g, 'Tee', '{{}}', 1999, 'USD', 200, true, false, {now}, {now}
        FROM {d.series(1, SHOPS)}""",
        f"""INSERT INTO users (id, email, name, role, date_of_birth, is_active, created_at)
        SELECT g, 'bench.buyer' || g || '@bench.dev', 'Buyer ' || g, 'buyer', '1990-01-01',
            true, {now} FROM {d.series(1, BUYERS)}""",
        f"""INSERT INTO payments (id, buyer_id, amount, currency, status, captured_amount,
            refunded_amount, updated_at, created_at)
        SELECT g, 1 + g % {BUYERS}, 5000, 'USD', 'CAPTURED', 5000, 0, {now}, {now}
        FROM {d.series(1, PAYMENTS)}""",
    ]


def bulk_sql(d: Dialect, t0: int, lo: int, hi: int) -> list[str]:
    """Orders ``lo``..``hi`` and their future timers."""
    bulk = BULK.format(t0=t0, series=d.series(lo, hi))

    def at(offset: int) -> str:
        return d.ts(f"c + {offset}")

    def unless_awaiting(offset: int) -> str:
        return f"CASE WHEN status <> 'AWAITING_SHIPMENT' THEN {at(offset)} END"

    orders = f"""INSERT INTO orders ({ORDER_COLUMNS})
        SELECT g, 1 + g % {SHOPS}, 1 + g % {BUYERS}, 1 + g % {PAYMENTS}, status, 'USD',
            price, discount, 0, sub_total, 499, 0, 0, 499, sub_total * 7 / 100,
            sub_total + 499 + sub_total * 7 / 100, 'STANDARD', 3, 6, {d.json(ADDRESS)}, false,
            {at(60)}, {at(3_660)}, {d.ts(str(t0))}, {at(0)}, 'US', {at(48 * HOUR)},
            {at(2 * DAY + HOUR)}, {at(9 * DAY + HOUR)}, {at(8 * DAY + HOUR)},
            {unless_awaiting(DAY)}, {unless_awaiting(3 * DAY)}, {unless_awaiting(13 * DAY)},
            CASE WHEN status IN ('DELIVERED', 'COMPLETED') THEN {at(5 * DAY)} END,
            CASE WHEN status = 'COMPLETED' THEN {at(35 * DAY)} END, false
        FROM ({bulk}) AS o"""
    timers = [
        f"""INSERT INTO timers (id, kind, subject_id, shop_id, due_at, attempts, created_at)
        SELECT 1000000000000 + 4 * g + {n}, '{kind}', {subject}, 1 + g % {SHOPS}, {at(due)},
            0, {at(0)}
        FROM ({bulk}) AS o WHERE status = '{status}'"""
        for n, (kind, status, subject, due) in enumerate(TIMER_KINDS)
    ]
    return [orders, *timers]


def due_sql(d: Dialect, t0: int, first: int, count: int) -> list[str]:
    """``count`` ON_HOLD orders, one line item each, paid 60 to 90 minutes ago: their
    remorse window has ended and their RELEASE_HOLD timers are the only timers due."""
    lo, hi = DUE_BASE + first, DUE_BASE + first + count - 1
    due = f"SELECT g, {t0} - 5400 + g % 1800 AS c FROM {d.series(lo, hi)}"
    return [
        f"""INSERT INTO orders ({ORDER_COLUMNS})
        SELECT g, 1 + g % {SHOPS}, 1 + g % {BUYERS}, 1 + g % {PAYMENTS}, 'ON_HOLD', 'USD',
            1999, 0, 0, 1999, 499, 0, 0, 499, 139, 2637, 'STANDARD', 3, 6, {d.json(ADDRESS)},
            false, {d.ts("c")}, {d.ts("c + 3600")}, {d.ts("c")}, {d.ts("c - 60")}, 'US',
            {d.ts(f"c - 60 + {48 * HOUR}")}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            false
        FROM ({due}) AS o""",
        f"""INSERT INTO order_line_items (id, order_id, shop_id, sku_id, product_id,
            warehouse_id, seller_sku, product_name, sku_name, currency, original_price,
            seller_discount, platform_discount, sale_price, tax, status)
        SELECT g, g, 1 + g % {SHOPS}, 1 + g % {SHOPS}, 1 + g % {SHOPS}, 1 + g % {SHOPS},
            'TEE-' || (1 + g % {SHOPS}), 'Tee', 'Tee', 'USD', 1999, 0, 0, 1999, 139, 'ON_HOLD'
        FROM {d.series(lo, hi)}""",
        f"""INSERT INTO timers (id, kind, subject_id, shop_id, due_at, attempts, created_at)
        SELECT g, 'RELEASE_HOLD', g, 1 + g % {SHOPS}, {d.ts("c + 3600")}, 0, {d.ts("c")}
        FROM ({due}) AS o""",
    ]


class Target:
    """A database to fill and sweep: the clipshop ``Database`` plus a raw connection for
    the bulk SQL (autocommit: each statement its own transaction)."""

    dialect: Dialect
    db: Database

    def execute(self, sql: str) -> None:
        raise NotImplementedError

    def scalar(self, sql: str) -> int:
        raise NotImplementedError

    def explain(self, sql: str, params: Any) -> str:
        raise NotImplementedError

    def settle(self) -> None:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        self.db.dispose()

    def counts(self) -> tuple[int, int, int]:
        now = self.dialect.ts(str(int(time.time())))
        return (
            self.scalar("SELECT count(*) FROM orders"),
            self.scalar("SELECT count(*) FROM timers"),
            self.scalar(f"SELECT count(*) FROM timers WHERE due_at <= {now}"),
        )


class Postgres(Target):
    dialect = PgDialect()

    def __init__(self, url: str, dbname: str) -> None:
        if dbname in PROTECTED_DATABASES:
            raise SystemExit(f"refusing to drop and create database {dbname!r}")
        base = make_url(normalise_url(url))
        self.admin = base.set(drivername="postgresql", database="postgres")
        self.url = base.set(drivername="postgresql", database=dbname)
        self.dbname = dbname
        with psycopg.connect(self.admin.render_as_string(False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        self.db = Database(Settings(env="test", database_url=self.url.render_as_string(False)))
        upgrade(self.db.engine)
        self.conn = psycopg.connect(self.url.render_as_string(False), autocommit=True)

    def execute(self, sql: str) -> None:
        self.conn.execute(sql.encode())

    def scalar(self, sql: str) -> int:
        row = self.conn.execute(sql.encode()).fetchone()
        assert row is not None
        return int(row[0])

    def explain(self, sql: str, params: Any) -> str:
        with psycopg.connect(self.url.render_as_string(False)) as conn:
            rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall()
            conn.rollback()  # the FOR UPDATE locks go with it
        return "\n".join(str(row[0]) for row in rows)

    def settle(self) -> None:
        for table in ("timers", "orders", "order_line_items"):
            self.execute(f"VACUUM (ANALYZE) {table}")
        self.execute("CHECKPOINT")

    def version(self) -> str:
        row = self.conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"

    def close(self) -> None:
        self.conn.close()
        super().close()

    def drop(self) -> None:
        with psycopg.connect(self.admin.render_as_string(False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')


class Sqlite(Target):
    dialect = SqliteDialect()

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = Database(Settings(env="test", database_url=f"sqlite:///{path}"))
        upgrade(self.db.engine)
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA cache_size=-262144")  # 256 MB, for the bulk inserts only

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def scalar(self, sql: str) -> int:
        return int(self.conn.execute(sql).fetchone()[0])

    def explain(self, sql: str, params: Any) -> str:
        rows = self.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        return "\n".join(str(row[-1]) for row in rows)

    def settle(self) -> None:
        self.execute("PRAGMA analysis_limit=1000")  # sampled: seconds, not minutes
        self.execute("ANALYZE")
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def close(self) -> None:
        self.conn.close()
        super().close()


# --- the measured part ------------------------------------------------------------------


def take_due_query(target: Target, batch: int) -> tuple[str, Any]:
    """The take-due statement exactly as the sweeper sends it (captured from the driver
    in a transaction that is rolled back)."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM timers" in statement and not seen:
            seen.append((statement, params))

    event.listen(target.db.engine, "before_cursor_execute", capture)
    try:
        session = Session(target.db.engine)  # never committed
        try:
            take_due(session, datetime.now(UTC), batch, skip_locked=not target.db.is_sqlite)
        finally:
            session.rollback()
            session.close()
    finally:
        event.remove(target.db.engine, "before_cursor_execute", capture)
    return seen[0]


@dataclass
class Round:
    """One full sweep of ``due`` timers."""

    seconds: float
    cpu_seconds: float  # of this process (the sweeper's Python side)
    statements: int  # SQL statements the sweep sent
    load: float  # 1-minute load average when it started
    report: SweepReport


@dataclass
class Size:
    database: str
    orders: int
    timers: int
    due: int
    generate_seconds: float
    explain: str
    rounds: list[Round]

    @property
    def best(self) -> Round:
        return min(self.rounds, key=lambda r: r.seconds)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.rounds)


def sweep_round(target: Target, batch: int) -> Round:
    target.settle()
    due = target.counts()[2]
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    sent = rawsql._execute  # statements sent to the driver directly (clipshop.core.rawsql)

    def counted(cursor: Any, sql: str, params: Any, many: bool) -> None:
        count()
        sent(cursor, sql, params, many)

    load = os.getloadavg()[0]
    event.listen(target.db.engine, "before_cursor_execute", count)
    rawsql._execute = counted
    start, cpu = time.perf_counter(), time.process_time()
    try:
        report = sweep(target.db, SimulatedGateway(target.db), batch_size=batch)
    finally:
        event.remove(target.db.engine, "before_cursor_execute", count)
        rawsql._execute = sent
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    left = target.counts()[2]
    if report.taken != due or report.applied["RELEASE_HOLD"] != due or left != 0:
        raise SystemExit(f"the sweep did not settle every due timer: {report} ({left} left)")
    log(
        f"{target.dialect.name}: swept {due:,} in {seconds:.1f} s (load {load:.1f}, sweeper "
        f"CPU {cpu:.1f} s, {statements[0] / due:.1f} statements per timer)"
    )
    return Round(seconds, cpu, statements[0], load, report)


def fill(target: Target, t0: int, lo: int, hi: int) -> float:
    start = time.perf_counter()
    for chunk in range(lo, hi + 1, CHUNK):
        end = min(chunk + CHUNK - 1, hi)
        with timed(f"{target.dialect.name}: orders {chunk:,}..{end:,} and their timers"):
            for sql in bulk_sql(target.dialect, t0, chunk, end):
                target.execute(sql)
    return time.perf_counter() - start


def bench(target: Target, small: int, big: int, due: int, batch: int, repeat: int) -> list[Size]:
    """Fill to ``small`` orders and sweep ``repeat`` fresh sets of ``due`` due timers one
    after the other; grow to ``big`` and do the same."""
    name = target.dialect.name
    t0 = int(time.time())
    for sql in fixtures_sql(target.dialect, t0):
        target.execute(sql)
    sizes, sets = [], 0
    for lo, hi in ((1, small), (small + 1, big)):
        seconds = fill(target, t0, lo, hi)
        rounds, plan = [], ""
        for _ in range(repeat):
            with timed(f"{name}: {due:,} due ON_HOLD orders"):
                for sql in due_sql(target.dialect, int(time.time()), sets * due, due):
                    target.execute(sql)
            sets += 1
            if not plan:
                target.settle()
                statement, params = take_due_query(target, batch)
                plan = target.explain(statement, params)
                orders, timers, _ = target.counts()
                log(f"{name}: {orders:,} orders, {timers:,} timers; sweeping {repeat} times")
            rounds.append(sweep_round(target, batch))
        sizes.append(Size(name, orders, timers, due, seconds, plan, rounds))
    return sizes


# --- report -----------------------------------------------------------------------------


def report(sizes: list[Size], machine: list[str], command: str) -> str:
    lines = ["# Deadline sweeper bench", "", *machine, "", f"    {command}", ""]
    lines += [
        "| database | orders | timers | due | generate s | sweeps, s (load average) "
        "| best timers/s | statements / timer | sweeper CPU s, best |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for z in sizes:
        sweeps = ", ".join(f"{r.seconds:.1f} ({r.load:.1f})" for r in z.rounds)
        best = z.best
        lines.append(
            f"| {z.database} | {z.orders:,} | {z.timers:,} | {z.due:,} "
            f"| {z.generate_seconds:,.0f} | {sweeps} | {z.due / best.seconds:,.0f} "
            f"| {best.statements / z.due:.1f} | {best.cpu_seconds:.1f} |"
        )
    lines.append("")
    for small, big in zip(sizes[::2], sizes[1::2], strict=True):
        ratio = big.best.seconds / small.best.seconds
        lines.append(
            f"- {small.database}: sweep time big / small = {ratio:.2f} (best of each), "
            f"{big.median / small.median:.2f} (median of each), for "
            f"{big.orders / small.orders:.1f} times the orders and "
            f"{big.timers / small.timers:.1f} times the timers"
        )
    for z in sizes:
        lines += ["", f"Take-due query plan, {z.database}, {z.orders:,} orders:", ""]
        lines += [f"    {line}" for line in z.explain.splitlines()]
    return "\n".join(lines) + "\n"


def machine(versions: list[str]) -> list[str]:
    return [
        f"- {os.cpu_count()} vCPUs, {platform.system()} {platform.release()}, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end",
        f"- Python {platform.python_version()}; " + "; ".join(versions),
    ]


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db", default="clipshop_bench_sweeper")
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=200, help="timers per batch")
    parser.add_argument("--repeat", type=int, default=3, help="sweeps at each size (>= 1)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--sqlite", action="store_true", help="also run the SQLite variant")
    parser.add_argument("--sqlite-small", type=int, default=1_000_000)
    parser.add_argument("--sqlite-big", type=int, default=5_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminated)  # clean up (drop the database) when stopped
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sizes: list[Size] = []
    versions: list[str] = []
    if not args.no_postgres:
        pg = Postgres(args.url, args.db)
        versions.append(pg.version())
        try:
            sizes += bench(pg, args.small, args.big, args.due, args.batch_size, args.repeat)
        finally:
            pg.close()
            if not args.keep:
                pg.drop()
    if args.sqlite:
        folder = Path(tempfile.mkdtemp(prefix="clipshop-bench-sweeper-"))
        lite = Sqlite(folder / "bench.db")
        versions.append(lite.version())
        try:
            sizes += bench(
                lite, args.sqlite_small, args.sqlite_big, args.due, args.batch_size, args.repeat
            )
        finally:
            lite.close()
            if not args.keep:
                for path in folder.iterdir():
                    path.unlink()
                folder.rmdir()
    text = report(sizes, machine(versions), "python " + " ".join(sys.argv))
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
