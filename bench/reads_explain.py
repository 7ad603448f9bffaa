"""EXPLAIN (ANALYZE, BUFFERS) of every query behind an endpoint, for bench/reads.py.

An in-process app on the bench database answers each request once through the Flask test
client (logged in like the load clients); a `before_cursor_execute` listener records every
statement with its parameters, and each SELECT is explained on the same database twice: with
its values (the custom plan), and prepared with `plan_cache_mode = force_generic_plan` (the
generic plan: psycopg prepares a statement after five runs and PostgreSQL then usually keeps
the generic plan, which is what the server runs; the ninth stop found a meet-up page whose
generic plan read every upcoming meetup of the tribe while its custom plan walked the index).
A Seq Scan on one of the big tables, in either plan, is flagged.
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

from sqlalchemy import event

BIG_TABLES = ("messages", "rsvps", "meetups", "memberships", "users", "user_sessions")
#: a Seq Scan on a table with fewer rows than this is the planner's right choice, not a flag
BIG_ROWS = 10_000
SCAN = re.compile(r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan)"
                  r"(?: Backward)?(?: using (\S+))? on (\S+))")


class Explainer:
    """One in-process app, a logged-in test client per user."""

    def __init__(self, database_url: str, password: str) -> None:
        from tribes import create_app
        from tribes.extensions import db

        self.app = create_app({
            "DATABASE_URL": database_url, "SECRET_KEY": "bench-reads", "INSTANCE_PATH": tempfile.mkdtemp(),
            "RUN_BACKGROUND_JOBS": False, "REDIS_URL": None, "RATELIMIT_ENABLED": False,
        })
        self.engine = db.engine
        self.password = password
        self.clients: dict[str, Any] = {}
        self.statements: list[tuple[str, Any]] = []
        event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        self.statements.append((statement, parameters))

    def client(self, email: str) -> Any:
        """A test client logged in as `email`."""
        if email not in self.clients:
            http = self.app.test_client()
            r = http.post("/api/v1/auth/login", json={"email": email, "password": self.password})
            assert r.status_code == 200, r.get_json()
            self.clients[email] = http
        return self.clients[email]

    def explain(self, email: str, path: str) -> dict[str, Any]:
        """Run GET `path` once (after a warm-up) and explain every query it made."""
        http = self.client(email)
        assert http.get(path).status_code == 200
        self.statements = []
        response = http.get(path)
        assert response.status_code == 200, response.get_json()
        captured, self.statements = self.statements, []
        queries = []
        with self.engine.connect() as conn:
            sizes = dict(conn.exec_driver_sql(
                "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relname = ANY(%(names)s)",
                {"names": list(BIG_TABLES)}).all())
            for statement, parameters in captured:
                head = statement.lstrip().split(None, 1)[0].upper()
                if head not in ("SELECT", "WITH"):
                    queries.append({"sql": statement, "plan": None, "scans": [], "flags": [], "ms": None})
                    continue
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
                plan = "\n".join(r[0] for r in rows)
                generic = _generic_plan(conn, statement, parameters)
                scans = [m.group(1) for m in SCAN.finditer(plan)]
                generic_scans = [m.group(1) for m in SCAN.finditer(generic or "")]
                flags = [s for s in dict.fromkeys(scans + generic_scans) if s.startswith(("Seq Scan", "Parallel Seq Scan"))
                         and sizes.get(s.rsplit(" on ", 1)[1], 0) >= BIG_ROWS]
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                generic_took = re.search(r"Execution Time: ([\d.]+) ms", generic or "")
                queries.append({"sql": statement, "params": repr(parameters), "plan": plan, "scans": scans,
                                "flags": flags, "ms": float(took.group(1)) if took else None,
                                "generic_plan": generic, "generic_scans": generic_scans,
                                "generic_ms": float(generic_took.group(1)) if generic_took else None})
            conn.rollback()
        return {"path": path, "bytes": len(response.data), "queries": queries}


def _generic_plan(conn: Any, statement: str, parameters: Any) -> str | None:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement prepared, under its generic plan (None when
    it cannot be prepared as it is)."""
    import psycopg

    if not isinstance(parameters, dict) or "%%" in statement:
        return None
    names = list(parameters)
    sql = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
    raw = conn.connection.dbapi_connection
    with conn.begin_nested():  # a failure here must not end the transaction of the other EXPLAINs
        with psycopg.ClientCursor(raw) as cursor:  # the values as literals in EXECUTE (their types from PREPARE)
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("PREPARE bench_generic AS " + sql)
            try:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_generic (" + ", ".join(["%s"] * len(names)) + ")",
                               [parameters[name] for name in names])
                return "\n".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("DEALLOCATE bench_generic")


def summary(result: dict[str, Any]) -> list[str]:
    """Short lines: one per query, its scans, execution time, and SEQ SCAN flags."""
    lines = [f"  {result['path']}: {len(result['queries'])} queries, {result['bytes']} bytes of JSON"]
    for q in result["queries"]:
        sql = " ".join(q["sql"].split())
        table = re.search(r"\bFROM (\w+)", sql)
        where = table.group(1) if table else sql[:40]
        if q["plan"] is None:
            lines.append(f"    - {sql[:60]} (not a SELECT)")
            continue
        flag = "  <-- SEQ SCAN ON A BIG TABLE" if q["flags"] else ""
        scans = "; ".join(dict.fromkeys(q["scans"])) or "no table scan"
        line = f"    - FROM {where}: {scans} ({q['ms']:.2f} ms)"
        if q.get("generic_plan"):
            generic = "; ".join(dict.fromkeys(q["generic_scans"])) or "no table scan"
            line += (" | generic plan: the same" if generic == scans else f" | generic plan: {generic}")
            line += f" ({q['generic_ms']:.2f} ms)"
        lines.append(line + flag)
    return lines
