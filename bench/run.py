"""`make bench`: generate, load, serve and measure; print a table, write bench/results/latest.json.

For each size (1k, 100k and 1m projects): generate the dataset (cached in bench/data/), load it
into its own SQLite file with `bri-tracker load` (wall time and peak RSS), time sqlite3's own
`.import` of the same CSV files as the reference, serve the app with one uvicorn worker and
Datasette on the same file, and drive both with wrk: 16 connections after a warm-up, then 1
connection. Timings live here only, never in tests.

Then the distinct-URL runs (bench/distinct.py: every URL once, fresh server, Datasette on the
same URLs in the same run, /metrics.csv against `sqlite3 -csv`) at 100k, and the same
distinct-URL run against PostgreSQL with two workers.

At 1m (a million projects) the dataset is generated and loaded (both timed, the load's peak
RSS sampled) and only the distinct-URL run follows.

Environment knobs: BENCH_SIZES=1k,100k,1m (the default)  BENCH_DURATION=8 (seconds at 16
connections)  BENCH_LOAD_ONLY=1 (generate and load each size, measure nothing served)
BENCH_DATA=bench/data (where datasets and their SQLite files go)
BENCH_SINGLE_DURATION=4  BENCH_MERGE=1 (add this run's sizes to latest.json)
BENCH_SKIP_LOAD=1 or =100k,pg (reuse bench/data/<size>.db and the
PostgreSQL database when present)  BENCH_PG=0 (skip PostgreSQL)  BENCH_PG_URL=postgresql+psycopg://
postgres@127.0.0.1:5432/bri_bench11_100k  BENCH_ONE_URL=0 (distinct-URL runs only).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# Datasets and their SQLite files (gitignored); BENCH_DATA puts them elsewhere, e.g. a second
# checkout's own folder for a million-project load.
DATA = ROOT / os.environ.get("BENCH_DATA", "bench/data")
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}
DISTINCT_SIZES = ("100k", "1m")  # sizes that get the distinct-URL run
EXPORT_SIZES = ("100k",)  # /metrics.csv timing: ~1M metric rows at 100k projects
TWO_WORKER_SIZES = ("100k",)  # the mix again on two workers: what the second core adds
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bri_bench11_100k"
)
TECHNOLOGY = "solar-pv"  # the most common technology and country in every generated dataset
COUNTRY = "PAK"
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
SINGLE_DURATION = int(os.environ.get("BENCH_SINGLE_DURATION", "4"))
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------- tools


def ensure_tool(command: str, package: str) -> str:
    """Path of `command`, installing its Debian package when missing."""
    found = shutil.which(command)
    if found:
        return found
    print(f"installing {package} with apt-get ...", flush=True)
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", package]
    if subprocess.run(apt, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
        subprocess.run(apt, check=True, capture_output=True)
    found = shutil.which(command)
    if not found:
        raise SystemExit(f"{command} not found after installing {package}")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run a command; return (wall seconds, peak RSS in MB of its process tree, output).

    The tree's RSS is summed and sampled every 50 ms, so a helper process the command starts
    (the loader's CSV parser) counts too; the OS's ru_maxrss only knows one process."""
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    peak_kb = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_kb
        while not done.wait(0.05):
            peak_kb = max(peak_kb, _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.communicate()[0]
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{output[-3000:]}")
    return elapsed, peak_kb // 1024, output


def _tree_pids(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn's workers, the loader's helper)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack.extend(int(child) for child in children)
    return found


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, in kB (0 once it has exited)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        rss = re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE)
        total += int(rss.group(1)) if rss else 0
        stack.extend(int(child) for child in children)
    return total


# ---------------------------------------------------------------- datasets and loads


def dataset(label: str) -> Path:
    """Generate the dataset for `label` once; later runs reuse it."""
    out = DATA / label
    stamp = out / ".complete"
    if not stamp.exists():
        print(f"generating {label} ...", flush=True)
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), "--projects", str(SIZES[label]),
             "--out", str(out)],
            check=True, cwd=ROOT,
        )  # fmt: skip
        stamp.write_text("ok\n")
    return out


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def load_app(label: str, data: Path) -> dict[str, Any]:
    """`bri-tracker load` into a fresh SQLite file: wall time and peak RSS."""
    db = DATA / f"{label}.db"
    skip = os.environ.get("BENCH_SKIP_LOAD", "")
    if db.exists() and (skip == "1" or label in skip.split(",")):
        return {"db": os.path.relpath(db, ROOT), "skipped": True}
    remove_db(db)
    env = {**os.environ, "BRI_DATABASE_URL": f"sqlite:///{db}"}
    # Schema first, so the timed load is the load itself.
    subprocess.run([str(BIN / "bri-tracker"), "db", "upgrade"], env=env, check=True,
                   capture_output=True, cwd=ROOT)  # fmt: skip
    seconds, peak_mb, output = run_measured(
        [str(BIN / "bri-tracker"), "load", "-q", str(data)], env
    )
    print(f"  app load {label}: {seconds:.1f} s, peak {peak_mb} MB  ({output.strip()[-120:]})")
    return {"db": os.path.relpath(db, ROOT), "seconds": round(seconds, 2), "peak_rss_mb": peak_mb}


# sqlite3 reference: .import each CSV into a staging table, then INSERT ... SELECT into an
# empty copy of the schema (same tables and indexes), all in one transaction.
IMPORTS: list[tuple[str, str, dict[str, str]]] = [
    ("sectors", "sector", {"slug": "slug", "name": "name", "parent_slug": "parent",
                           "description": "description", "position": "position"}),
    ("sources", "source", {c: c for c in ("slug", "title", "publisher", "url", "published_on",
                                            "kind", "note")}),
    ("organizations", "organization", {"slug": "slug", "name": "name", "kind": "kind",
                                       "country_iso3": "country"}),
    ("projects", "project", {
        "slug": "slug", "name": "name", "kind": "kind", "technology_slug": "technology",
        "sector_slug": "(SELECT parent_slug FROM sector WHERE sector.slug = s.technology)",
        "status": "status", "capacity_value": "capacity_value", "capacity_unit": "capacity_unit",
        "opened_on": "opened_on", "cost_usd": "cost_usd", "latitude": "latitude",
        "longitude": "longitude", "location_precision": "location_precision",
        "location_source_slug": "location_source", "summary": "summary",
        "search_text": "lower(s.name || ' ' || s.slug || ' ' || s.summary)"}),
    ("project_countries", "project_country", {"project_slug": "project",
                                              "country_iso3": "country"}),
    ("statements", "statement", {"slug": "slug", "text": "text", "form": "form",
                                 "organization_slug": "organization", "said_on": "said_on",
                                 "source_slug": "source", "language": "language"}),
    ("statement_projects", "statement_project", {"statement_slug": "statement",
                                                 "project_slug": "project"}),
    ("metrics", "metric", {
        "slug": "slug", "project_slug": "project", "kind": "kind", "value": "value",
        "value_high": "value_high", "qualifier": "qualifier", "unit": "unit", "period": "period",
        "year": "year", "basis": "basis", "source_slug": "source", "statement_slug": "statement",
        "scope": "'unspecified'", "uncertain": "0"}),
]  # fmt: skip


def sqlite_reference(label: str, data: Path, sqlite3: str) -> dict[str, Any]:
    """Time sqlite3's own .import of the same CSV files into an empty copy of the schema."""
    schema_db = DATA / f"{label}-schema.db"
    target = DATA / f"{label}-sqlite3.db"
    remove_db(schema_db)
    env = {**os.environ, "BRI_DATABASE_URL": f"sqlite:///{schema_db}"}
    subprocess.run([str(BIN / "bri-tracker"), "db", "upgrade"], env=env, check=True,
                   capture_output=True, cwd=ROOT)  # fmt: skip
    # Countries come from packages, not CSV: copy them in as the app's loader does.
    from sqlalchemy import create_engine, insert

    from app import models as m
    from app.countries import country_rows

    engine = create_engine(f"sqlite:///{schema_db}")
    with engine.begin() as conn:
        conn.execute(insert(m.Country.__table__), country_rows())  # type: ignore[attr-defined]
    engine.dispose()
    script = ["PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;", "BEGIN;"]
    raw = ["BEGIN;"]
    for name, table, columns in IMPORTS:
        csv_path = data / f"{name}.csv"
        script.append(f".import --csv {csv_path} stage_{name}")
        raw.append(f".import --csv {csv_path} stage_{name}")
        targets = ", ".join(columns)
        values = ", ".join(
            f"NULLIF(s.{expr}, '')" if expr.isidentifier() else expr for expr in columns.values()
        )
        script.append(f"INSERT INTO {table} ({targets}) SELECT {values} FROM stage_{name} AS s;")
        script.append(f"DROP TABLE stage_{name};")
    script.append("COMMIT;")
    raw.append("COMMIT;")
    results: dict[str, Any] = {}
    for key, lines, start_from_schema in (("schema", script, True), ("plain", raw, False)):
        remove_db(target)
        if start_from_schema:
            shutil.copy(schema_db, target)
        start = time.perf_counter()
        proc = subprocess.run([sqlite3, "-bail", str(target)], input="\n".join(lines) + "\n",
                              text=True, capture_output=True)  # fmt: skip
        results[f"{key}_seconds"] = round(time.perf_counter() - start, 2)
        if proc.returncode != 0 or proc.stderr.strip():
            raise SystemExit(f"sqlite3 .import failed: {proc.stderr[-2000:]}")
    remove_db(target)
    remove_db(schema_db)
    print(
        f"  sqlite3 .import {label}: {results['schema_seconds']:.1f} s into the schema, "
        f"{results['plain_seconds']:.1f} s into plain tables"
    )
    return results


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        return round(int(match.group(1)) / 1024, 1) if match else -1.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(name: str, argv: list[str], env: dict[str, str], port: int) -> Server:
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / f"{name}.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(argv, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    server = Server(name, port, proc, log)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not start; see {log}")


def serve_app(db: str, workers: int = 1) -> Server:
    port = free_port()
    url = db if "://" in db else f"sqlite:///{db}"
    env = {**os.environ, "BRI_DATABASE_URL": url}
    argv = [str(BIN / "bri-tracker"), "serve", "--port", str(port), "--workers", str(workers)]
    return start_server("app", argv, env, port)


def serve_datasette(db: str) -> Server:
    port = free_port()
    argv = [str(BIN / "datasette"), "serve", db, "--port", str(port), "--setting",
            "suggest_facets", "off", "--setting", "default_page_size", "50"]  # fmt: skip
    return start_server("datasette", argv, dict(os.environ), port)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, response.headers


# ---------------------------------------------------------------- wrk


@dataclass
class Measure:
    name: str
    path: str
    status: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    single_rps: float = 0.0
    single_p50_ms: float = 0.0
    single_p99_ms: float = 0.0
    errors: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(wrk_bin: str, url: str, connections: int, seconds: int, headers: dict[str, str]) -> dict:
    argv = [wrk_bin, "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
            "--latency", "--timeout", "10s"]  # fmt: skip
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    output = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\s50%\s+(\S+)", output)
    p99 = re.search(r"\s99%\s+(\S+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": round(_ms(p50.group(1)), 2) if p50 else float("nan"),
        "p99_ms": round(_ms(p99.group(1)), 2) if p99 else float("nan"),
        "errors": " ".join(
            part for part in (f"non-2xx {non2xx.group(1)}" if non2xx else "",
                              errors.group(1) if errors else "") if part
        ),
    }  # fmt: skip


def measure(wrk_bin: str, server: Server, name: str, path: str, headers: dict[str, str]) -> Measure:
    url = f"http://127.0.0.1:{server.port}{path}"
    try:
        status = get(server.port, path, headers)[0]
    except OSError:  # a timed-out page still gets measured (as errors) below
        status = 0
    wrk(wrk_bin, url, 4, 2, headers)  # warm-up: caches, connection pools, page cache
    loaded = wrk(wrk_bin, url, 16, DURATION, headers)
    # One connection: the median of three runs, since a ~2 ms p50 on a shared machine moves
    # by 2x between runs, and the 100k/1k ratio of two such numbers is the budget.
    singles = sorted((wrk(wrk_bin, url, 1, SINGLE_DURATION, headers) for _ in range(3)),
                     key=lambda run: run["p50_ms"])  # fmt: skip
    single = singles[1]
    result = Measure(
        name, path, status, loaded["rps"], loaded["p50_ms"], loaded["p99_ms"],
        single["rps"], single["p50_ms"], single["p99_ms"],
        " ".join(e for e in (loaded["errors"], single["errors"]) if e),
    )  # fmt: skip
    flag = "" if status == 200 else f"  [HTTP {status}]"
    print(f"    {name:<12} {result.rps:8.0f} req/s  p50 {result.p50_ms:7.2f} ms  "
          f"1-conn p50 {result.single_p50_ms:6.2f} ms{flag}", flush=True)  # fmt: skip
    return result


def endpoints(project_slug: str) -> list[tuple[str, str, dict[str, str]]]:
    gzip = {"Accept-Encoding": "gzip"}
    query = f"sector={TECHNOLOGY}&country={COUNTRY}"
    return [
        ("catalogue", f"/projects?{query}", gzip),
        ("fragment", f"/projects?{query}", {**gzip, "HX-Request": "true"}),
        ("api", f"/api/v1/projects?{query}", gzip),
        ("project", f"/projects/{project_slug}", gzip),
        ("overview", "/", gzip),
    ]


def datasette_path(db: str) -> str:
    name = Path(db).stem
    where = f"slug in (select project_slug from project_country where country_iso3 = '{COUNTRY}')"
    from urllib.parse import quote

    return (
        f"/{quote(name)}/project?technology_slug={TECHNOLOGY}&_where={quote(where)}"
        "&_facet=technology_slug&_facet=status&_size=50&_sort=name"
    )


# ---------------------------------------------------------------- page weight


def page_weight(port: int, path: str = "/projects") -> dict[str, Any]:
    """Compressed bytes of a first visit (page + scripts + styles) and of a repeat visit."""
    headers = {"Accept-Encoding": "br, gzip"}
    status, body, page_headers = get(port, path, headers)
    html = _decoded(body, page_headers)
    assets = re.findall(r'<(?:script[^>]+src|link[^>]+href)="(/static/[^"]+)"', html)
    first = len(body) + _header_bytes(page_headers)
    repeat_assets = 0
    for asset in dict.fromkeys(assets):
        _s, asset_body, asset_headers = get(port, asset, headers)
        first += len(asset_body) + _header_bytes(asset_headers)
        if "immutable" not in (asset_headers.get("Cache-Control") or ""):
            repeat_assets += len(asset_body) + _header_bytes(asset_headers)  # would refetch
    etag = page_headers.get("ETag")
    if etag:
        again_status, again_body, again_headers = get(
            port, path, {**headers, "If-None-Match": etag}
        )
        repeat_page = len(again_body) + _header_bytes(again_headers)
    else:
        again_status, repeat_page = status, len(body) + _header_bytes(page_headers)
    return {
        "status": status,
        "assets": len(set(assets)),
        "first_visit_bytes": first,
        "repeat_visit_bytes": repeat_page + repeat_assets,
        "etag": bool(etag),
        "repeat_status": again_status,
        "encoding": page_headers.get("Content-Encoding") or "identity",
    }


def _decoded(body: bytes, headers: Any) -> str:
    encoding = headers.get("Content-Encoding")
    if encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    elif encoding == "br":
        import brotli  # type: ignore[import-not-found]

        body = brotli.decompress(body)
    return body.decode("utf-8", "replace")


def _header_bytes(headers: Any) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers.items()) + 17


# ---------------------------------------------------------------- main


def bench_size(label: str, wrk_bin: str, sqlite3: str) -> dict[str, Any]:
    print(f"== {label} ({SIZES[label]} projects)", flush=True)
    cached = (DATA / label / ".complete").exists()
    started = time.perf_counter()
    data = dataset(label)
    generated_s = None if cached else round(time.perf_counter() - started, 1)
    load = load_app(label, data)
    result: dict[str, Any] = {"load": load, "generate_seconds": generated_s, "endpoints": {}}
    if os.environ.get("BENCH_LOAD_ONLY") == "1":
        return result
    if label in DISTINCT_SIZES:
        from bench.distinct import distinct_run

        print(f"  distinct URLs {label}:", flush=True)
        result["distinct"] = distinct_run(
            str(ROOT / load["db"]), wrk_bin, sqlite3, serve_app, serve_datasette,
            label in EXPORT_SIZES, two_workers=label in TWO_WORKER_SIZES,
        )  # fmt: skip
    if label == "1m" or os.environ.get("BENCH_ONE_URL") == "0":
        return result  # the one-URL runs and the .import reference stop at 100k
    reference = sqlite_reference(label, data, sqlite3)
    db = str(ROOT / load["db"])  # results record it relative to the repository
    project_slug = "bench-000000"
    result["sqlite3_import"] = reference
    app = serve_app(db)
    try:
        # Page weight first: a slow endpoint leaves a backlog of timed-out requests behind.
        try:
            result["page_weight"] = page_weight(app.port)
        except OSError as exc:
            result["page_weight"] = {"status": 0, "error": str(exc), "first_visit_bytes": -1,
                                     "repeat_visit_bytes": -1}  # fmt: skip
        for name, path, headers in endpoints(project_slug):
            result["endpoints"][name] = asdict(measure(wrk_bin, app, name, path, headers))
        result["server_rss_mb"] = app.rss_mb()
    finally:
        app.stop()
    ds = serve_datasette(db)
    try:
        result["endpoints"]["datasette"] = asdict(
            measure(wrk_bin, ds, "datasette", datasette_path(db), {})
        )
    finally:
        ds.stop()
    return result


def bench_postgres(wrk_bin: str) -> dict[str, Any]:
    """The distinct-URL run against PostgreSQL at 100k projects, two workers (no Datasette:
    it reads SQLite only). Loads the 100k dataset into BENCH_PG_URL first."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bench.distinct import CONNECTIONS, MIX_SECONDS, url_sets, warm_up, wrk_paths

    print("== PostgreSQL 100k, 2 workers", flush=True)
    url = make_url(PG_URL)
    load: dict[str, Any] = {"skipped": True}
    if "pg" not in os.environ.get("BENCH_SKIP_LOAD", "").split(","):
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
        env = {**os.environ, "BRI_DATABASE_URL": PG_URL}
        subprocess.run([str(BIN / "bri-tracker"), "db", "upgrade"], env=env, check=True,
                       capture_output=True, cwd=ROOT)  # fmt: skip
        seconds, peak_mb, _out = run_measured(
            [str(BIN / "bri-tracker"), "load", "-q", str(dataset("100k"))], env
        )
        load = {"seconds": round(seconds, 1), "peak_rss_mb": peak_mb}
        print(f"  app load PostgreSQL 100k: {seconds:.1f} s, peak {peak_mb} MB", flush=True)
    urls = url_sets(str(DATA / "100k.db"))
    result: dict[str, Any] = {"load": load, "workers": 2}
    app = serve_app(PG_URL, workers=2)
    try:
        warm_up(app.port)
        pid = app.proc.pid
        result["first_page"] = wrk_paths(wrk_bin, app.port, urls["first"], 1, 10, pid)
        result["app"] = wrk_paths(wrk_bin, app.port, urls["mix"], CONNECTIONS, MIX_SECONDS, pid)
        log = app.log.read_text(errors="replace")
        result["pool_timeouts"] = log.count("database pool exhausted")
    finally:
        app.stop()
    print(f"  PostgreSQL: {result['app']['rps']} req/s, p99 {result['app']['p99_ms']} ms",
          flush=True)  # fmt: skip
    return result


def distinct_table(results: dict[str, Any]) -> str:
    """The distinct-URL runs: every URL once, fresh server, Datasette in the same run."""
    lines = [
        f"{'distinct URLs':<26} {'size':>5} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'x ds':>6} {'non-2xx':>7} {'sock err':>8} {'pool t/o':>8} {'requests':>8} "
        f"{'CPU ms/req':>10}"
    ]

    def row(name: str, size: str, run: dict[str, Any], ref: float | None, pool: Any) -> str:
        x = ratio(run["rps"], ref) if ref else "-"
        return (
            f"{name:<26} {size:>5} {run['rps']:>7.1f} {run['p50_ms']:>8.2f} "
            f"{run['p99_ms']:>8.2f} {x:>6} {run['non_2xx']:>7} {run['socket_errors']:>8} "
            f"{pool:>8} {run['requests']:>8} {run.get('cpu_ms_per_request', '-'):>10}"
        )

    for size, r in results.items():
        d = r.get("distinct") if isinstance(r, dict) else None
        if not d:
            continue
        ref = d["datasette"]["rps"]
        lines.append(row("app mix, 16 conn, 1 worker", size, d["app"], ref, d["pool_timeouts"]))
        if "app_2_workers" in d:  # no budget: what one more process gives on this machine
            lines.append(row("app mix 16 conn, 2 workers", size, d["app_2_workers"], ref,
                             d["pool_timeouts_2_workers"]))  # fmt: skip
        lines.append(row("first catalogue page, 1c", size, d["first_page"], None, "-"))
        lines.append(row("datasette mix, 16 conn", size, d["datasette"], None, "-"))
    pg = results.get("postgres")
    if pg:
        lines.append(row("PG mix, 16 conn, 2 workers", "100k", pg["app"], None,
                         pg["pool_timeouts"]))  # fmt: skip
        lines.append(row("PG first page, 1c", "100k", pg["first_page"], None, "-"))
    for size, r in results.items():
        export = (r.get("distinct") or {}).get("export") if isinstance(r, dict) else None
        if export:
            lines.append(
                f"export {size} /metrics.csv: {export['rows']} rows ({export['bytes']} B) in "
                f"{export['seconds']} s, sqlite3 -csv {export['sqlite3_seconds']} s "
                f"(x{export['ratio']}; CPU {export.get('server_cpu_seconds', '-')} s against "
                f"{export.get('sqlite3_cpu_seconds', '-')} s, x{export.get('cpu_ratio', '-')}); "
                f"server RSS {export['rss_before_mb']} -> peak "
                f"{export['rss_peak_mb']} MB (+{export['rss_growth_mb']} MB)"
            )
    if "100k" in results and "1m" in results:
        small, big = results["100k"].get("distinct"), results["1m"].get("distinct")
        if small and big:
            generated = results["1m"].get("generate_seconds")
            made = f"generated in {generated} s" if generated is not None else "dataset cached"
            lines.append(
                f"1m vs 100k: req/s x{ratio(big['app']['rps'], small['app']['rps'])}, "
                f"p99 x{ratio(big['app']['p99_ms'], small['app']['p99_ms'])}, first-page p50 "
                f"x{ratio(big['first_page']['p50_ms'], small['first_page']['p50_ms'])}; 1m "
                f"{made}, load "
                f"{results['1m']['load'].get('seconds', '-')} s (peak "
                f"{results['1m']['load'].get('peak_rss_mb', '-')} MB)"
            )
    return "\n".join(lines)


def distinct_budgets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    d = (results.get("100k") or {}).get("distinct")
    if not d:
        return []
    app, first, ds = d["app"], d["first_page"], d["datasette"]
    x = ratio(app["rps"], ds["rps"])
    checks = [
        ("distinct: >= 10x Datasette req/s", x >= 10, f"{x}x"),
        ("distinct: p99 <= 100 ms", app["p99_ms"] <= 100, f"{app['p99_ms']} ms"),
        ("distinct: first page p50 <= 20 ms", first["p50_ms"] <= 20, f"{first['p50_ms']} ms"),
        ("distinct: first page p99 <= 60 ms", first["p99_ms"] <= 60, f"{first['p99_ms']} ms"),
        ("distinct: zero pool timeouts", d["pool_timeouts"] == 0, str(d["pool_timeouts"])),
        ("distinct: zero non-2xx and socket errors",
         app["non_2xx"] + app["socket_errors"] + first["non_2xx"] == 0,
         f"{app['non_2xx']} non-2xx, {app['socket_errors']} socket"),
    ]  # fmt: skip
    export = d.get("export")
    if export:
        checks.append(("export /metrics.csv <= 2x sqlite3 -csv", export["ratio"] <= 2,
                       f"{export['ratio']}x"))  # fmt: skip
        checks.append(("export server RSS growth < 50 MB", export["rss_growth_mb"] < 50,
                       f"{export['rss_growth_mb']} MB"))  # fmt: skip
    return checks


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


def table(results: dict[str, Any]) -> str:
    sizes = [s for s in SIZES if s in results and results[s].get("endpoints")]
    small = sizes[0]
    lines = [
        f"{'endpoint':<11} {'size':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'1c p50':>7} {'1c p99':>7} {'x ref':>6} {'p50/1k':>7} {'1c p50/1k':>9}  notes"
    ]
    for name in ("catalogue", "fragment", "api", "project", "overview", "datasette"):
        for size in sizes:
            row = results[size]["endpoints"].get(name)
            if not row:
                continue
            ref = results[size]["endpoints"]["datasette"]["rps"]
            base = results[small]["endpoints"][name]
            notes = ("" if row["status"] == 200 else f"HTTP {row['status']} ") + row["errors"]
            lines.append(
                f"{name:<11} {size:>5} {row['rps']:>8.0f} {row['p50_ms']:>8.2f} "
                f"{row['p99_ms']:>8.2f} {row['single_p50_ms']:>7.2f} {row['single_p99_ms']:>7.2f} "
                f"{ratio(row['rps'], ref):>6} {ratio(row['p50_ms'], base['p50_ms']):>7} "
                f"{ratio(row['single_p50_ms'], base['single_p50_ms']):>9}  {notes}"
            )
    for size in sizes:
        r = results[size]
        load, ref = r["load"], r["sqlite3_import"]
        if "server_rss_mb" not in r:
            continue
        lines.append(
            f"load {size}: app {load.get('seconds', '-')} s (peak {load.get('peak_rss_mb', '-')} "
            f"MB), sqlite3 .import into schema {ref['schema_seconds']} s "
            f"(x{ratio(load.get('seconds', 0), ref['schema_seconds'])}), into plain tables "
            f"{ref['plain_seconds']} s (x{ratio(load.get('seconds', 0), ref['plain_seconds'])}); "
            f"server RSS after run {r['server_rss_mb']} MB; /projects first visit "
            f"{r['page_weight']['first_visit_bytes']} B, "
            f"repeat {r['page_weight']['repeat_visit_bytes']} B"
        )
    return "\n".join(lines)


def budgets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return one_url_budgets(results) + distinct_budgets(results)


def one_url_budgets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    if not results.get("100k", {}).get("endpoints") or not results.get("1k", {}).get("endpoints"):
        return []
    big, small = results["100k"], results["1k"]
    e, e1 = big["endpoints"], small["endpoints"]

    def served(row: dict[str, Any]) -> bool:  # answered 200 and completed requests at all
        return bool(row["status"] == 200 and row["rps"] > 0 and row["single_p50_ms"] > 0)

    ref = e["datasette"]["rps"]
    checks: list[tuple[str, bool, str]] = []
    for name in ("catalogue", "fragment", "api"):
        # Datasette answering nothing in the run is no pass: the ratio is unknown.
        ok = served(e[name]) and ref > 0 and e[name]["rps"] >= 10 * ref
        checks.append((f"{name} >= 10x Datasette req/s", ok, f"{ratio(e[name]['rps'], ref)}x"))
    for name in ("catalogue", "fragment", "api", "project", "overview"):
        grow = ratio(e[name]["single_p50_ms"], e1[name]["single_p50_ms"])
        checks.append((f"{name} 1-conn p50 100k <= 1.5x 1k", served(e[name])
                       and served(e1[name]) and grow <= 1.5, f"{grow}x"))  # fmt: skip
    frag = e["fragment"]["single_p50_ms"]
    checks.append(("fragment 1-conn p50 <= 5 ms", served(e["fragment"]) and frag <= 5,
                   f"{frag} ms"))  # fmt: skip
    for name in ("project", "overview"):
        ok = served(e[name]) and e[name]["rps"] >= 300
        checks.append((f"{name} >= 300 req/s", ok, f"{e[name]['rps']:.0f}"))
    load, imp = big["load"], big["sqlite3_import"]
    if "seconds" in load:
        x = ratio(load["seconds"], imp["schema_seconds"])
        checks.append(("load <= 4x sqlite3 .import", x <= 4, f"{x}x"))
        checks.append(("load peak RSS <= 500 MB", load["peak_rss_mb"] <= 500,
                       f"{load['peak_rss_mb']} MB"))  # fmt: skip
    checks.append(("server RSS after run <= 250 MB", big["server_rss_mb"] <= 250,
                   f"{big['server_rss_mb']} MB"))  # fmt: skip
    weight = big["page_weight"]
    checks.append(
        (
            "/projects first visit <= 400 KB",
            weight["status"] == 200 and weight["first_visit_bytes"] <= 400_000,
            f"{weight['first_visit_bytes']} B",
        )
    )
    checks.append(
        (
            "/projects repeat visit <= 30 KB",
            weight["status"] == 200 and weight["repeat_visit_bytes"] <= 30_000,
            f"{weight['repeat_visit_bytes']} B",
        )
    )
    return checks  # fmt: skip


def report_only() -> None:
    """`bench/run.py --report`: print the table and budgets of bench/results/latest.json again."""
    report = json.loads((RESULTS / "latest.json").read_text())
    checks = budgets(report["results"])
    report["budgets"] = [{"budget": b, "ok": ok, "measured": m} for b, ok, m in checks]
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(table(report["results"]))
    print()
    print(distinct_table(report["results"]))
    print()
    for budget, ok, measured in checks:
        print(f"  [{'ok' if ok else 'MISS'}] {budget}: {measured}")


def main() -> None:
    if "--report" in sys.argv:
        report_only()
        return
    wrk_bin = ensure_tool("wrk", "wrk")
    sqlite3 = ensure_tool("sqlite3", "sqlite3")
    sizes = os.environ.get("BENCH_SIZES", "1k,100k,1m")
    labels = [s.strip() for s in sizes.split(",") if s.strip()]
    started = time.time()
    results: dict[str, Any] = {label: bench_size(label, wrk_bin, sqlite3) for label in labels}
    if os.environ.get("BENCH_PG", "1") != "0":
        results["postgres"] = bench_postgres(wrk_bin)
    if os.environ.get("BENCH_MERGE") == "1" and (RESULTS / "latest.json").exists():
        # Add this run's sizes to the last report (e.g. BENCH_SIZES=1m after a full run).
        merged = json.loads((RESULTS / "latest.json").read_text())["results"]
        for size, figures in results.items():  # a figure this run did not take stays
            merged.setdefault(size, {}).update({k: v for k, v in figures.items() if v})
        results = merged
    checks = budgets(results)
    report = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "filter": {"sector": TECHNOLOGY, "country": COUNTRY},
        "wrk": {"connections": 16, "duration_s": DURATION, "single_duration_s": SINGLE_DURATION},
        "results": results,
        "budgets": [{"budget": b, "ok": ok, "measured": m} for b, ok, m in checks],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(results))
    print()
    print(distinct_table(results))
    print()
    for budget, ok, measured in checks:
        print(f"  [{'ok' if ok else 'MISS'}] {budget}: {measured}")
    print(f"\nwrote {RESULTS / 'latest.json'} in {report['seconds']} s")


if __name__ == "__main__":
    main()
