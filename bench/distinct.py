"""Distinct-URL runs: what users and crawlers meet, not a page cache lookup.

Every URL is requested once per run (no page-cache hits): catalogue pages and htmx fragments
over technology x country x status x sort x page and text queries, the API list, project
pages. A fresh server, a warm-up of two URLs outside the set (templates, vocabulary, the
facet summary), then:

1. one connection over distinct catalogue URLs: the first (uncached) catalogue page;
2. 16 connections over the mixed set (wrk, a Lua script hands out each path once);
3. Datasette on the same file, 16 connections over the equivalent URLs (same filters as
   `technology_slug`, `status`, a country `_where`, a text `_where`, the same sort, 50 rows;
   facets on technology, status and kind — fewer than the app computes);
4. `/metrics.csv` of every metric: wall time and server RSS growth, against `sqlite3 -csv`
   writing the same rows from the same query.

Used by bench/run.py (`make bench`); `python bench/distinct.py DB` runs it alone.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONNECTIONS = 16
FIRST_PAGE_URLS = 3000  # more than one connection gets through in FIRST_PAGE_SECONDS
FIRST_PAGE_SECONDS = 10
MIX_SECONDS = 20
SORTS = ["name", "-name", "capacity", "-capacity", "claimed", "-claimed", "opened", "-opened"]
STATUSES = ["", "operational", "under_construction", "planned", "suspended", "cancelled"]
DATASETTE_SORT = {
    "name": "_sort=name",
    "-name": "_sort_desc=name",
    "capacity": "_sort=capacity_value",
    "-capacity": "_sort_desc=capacity_value",
    "claimed": "_sort=claimed_tco2_per_year",
    "-claimed": "_sort_desc=claimed_tco2_per_year",
    "opened": "_sort=opened_on",
    "-opened": "_sort_desc=opened_on",
}
HTMX = "HX-Request: true"

LUA = """
local paths = {}
local headers = {}
for line in io.lines("%(file)s") do
  local tab = line:find("\\t")
  paths[#paths + 1] = line:sub(1, tab - 1)
  headers[#headers + 1] = line:sub(tab + 1)
end
local threads = {}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("tid", counter)
  thread:set("nthreads", %(threads)d)
  table.insert(threads, thread)
end
local i = nil
local htmx = { ["HX-Request"] = "true", ["Accept-Encoding"] = "gzip" }
local plain = { ["Accept-Encoding"] = "gzip" }
request = function()
  if i == nil then i = tid end
  local n = ((i - 1) %% #paths) + 1
  i = i + nthreads
  if headers[n] == "htmx" then
    return wrk.format("GET", paths[n], htmx)
  end
  return wrk.format("GET", paths[n], plain)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RUN_JSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_ms": %%.2f, "p90_ms": %%.2f, ' ..
    '"p99_ms": %%.2f, "max_ms": %%.2f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


# ---------------------------------------------------------------- URL sets


def _vocabulary(db: str) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    technologies = [r[0] for r in conn.execute(
        "SELECT technology_slug FROM project GROUP BY 1 ORDER BY count(*) DESC")]  # fmt: skip
    sectors = [r[0] for r in conn.execute("SELECT DISTINCT sector_slug FROM project")]
    countries = [r[0] for r in conn.execute(
        "SELECT country_iso3 FROM project_country GROUP BY 1 ORDER BY count(*) DESC LIMIT 20"
    )]  # fmt: skip
    projects = conn.execute("SELECT count(*) FROM project").fetchone()[0]
    conn.close()
    return {"technologies": technologies, "sectors": sectors, "countries": countries,
            "projects": projects}  # fmt: skip


WORDS = ["green", "silk", "road", "solar", "hydro", "rail", "grid", "park", "bay", "river",
         "valley", "north", "south", "east", "west", "great", "central", "coastal", "highland",
         "delta", "lake", "port", "city"]  # fmt: skip


def filter_combinations(vocab: dict[str, Any], rng: random.Random) -> list[dict[str, str]]:
    """Catalogue filters: technology or sector x country x status x sort x page, and text
    queries (two name words, alone or with a sector), shuffled."""
    technologies = ["", *vocab["sectors"], *vocab["technologies"][:12]]
    countries = ["", *vocab["countries"][:12]]
    combos = [
        {"sector": t, "country": c, "status": s, "sort": k, "page": str(p)}
        for t in technologies
        for c in countries
        for s in STATUSES
        for k in SORTS
        for p in (1, 2, 3)
        if t or c or s
    ]
    texts = [
        {"q": f"{a} {b}", "sector": sector, "sort": k, "page": "1"}
        for a in WORDS
        for b in WORDS
        if a != b
        for sector in ("", *vocab["sectors"])
        for k in ("name", "-claimed")
    ]
    rng.shuffle(combos)
    rng.shuffle(texts)
    # About one URL in eight is a text search.
    mixed = []
    for i, combo in enumerate(combos):
        mixed.append(combo)
        if i % 7 == 0 and texts:
            mixed.append(texts.pop())
    return mixed


def app_query(combo: dict[str, str]) -> str:
    pairs = [(k, v) for k, v in combo.items() if v and not (k == "page" and v == "1")]
    return urlencode(pairs)


def datasette_query(db_name: str, combo: dict[str, str], vocab: dict[str, Any]) -> str:
    """The Datasette table URL with the same filter, sort, 50 rows and three facets."""
    parts = []
    if combo.get("sector"):
        key = "sector_slug" if combo["sector"] in vocab["sectors"] else "technology_slug"
        parts.append(f"{key}={quote(combo['sector'])}")
    if combo.get("status"):
        parts.append(f"status={combo['status']}")
    wheres = []
    if combo.get("country"):
        wheres.append(
            "slug in (select project_slug from project_country where country_iso3 = "
            f"'{combo['country']}')"
        )
    for word in (combo.get("q") or "").split():
        wheres.append(f"search_text like '%{word}%'")
    parts += [f"_where={quote(w)}" for w in wheres]
    parts.append(DATASETTE_SORT[combo.get("sort") or "name"])
    parts += ["_facet=technology_slug", "_facet=status", "_facet=kind", "_size=50"]
    return f"/{quote(db_name)}/project?" + "&".join(parts)


def url_sets(db: str, seed: int = 11) -> dict[str, list[tuple[str, str]]]:
    """(path, 'htmx'|'-') lists: `first` (catalogue pages for one connection), `mix` (16
    connections), `datasette` (the mix's equivalents). No path appears twice across them."""
    rng = random.Random(seed)
    vocab = _vocabulary(db)
    combos = filter_combinations(vocab, rng)
    first = [(f"/projects?{app_query(c)}", "-") for c in combos[:FIRST_PAGE_URLS]]
    rest = combos[FIRST_PAGE_URLS:]
    slugs = rng.sample(range(vocab["projects"]), min(vocab["projects"], 20_000))
    mix: list[tuple[str, str]] = []
    datasette: list[tuple[str, str]] = []
    name = Path(db).stem
    for i, combo in enumerate(rest):
        kind = i % 5  # catalogue, fragment, API, project, catalogue
        if kind == 3 and slugs:
            slug = f"bench-{slugs.pop():06d}"
            mix.append((f"/projects/{slug}", "-"))
            datasette.append((f"/{quote(name)}/project/{slug}", "-"))
            continue
        query = app_query(combo)
        if kind == 2:
            mix.append((f"/api/v1/projects?{query}", "-"))
            datasette.append((datasette_query(name, combo, vocab).replace("/project?",
                              "/project.json?"), "-"))  # fmt: skip
        else:
            mix.append((f"/projects?{query}", "htmx" if kind == 1 else "-"))
            datasette.append((datasette_query(name, combo, vocab), "-"))
    return {"first": first, "mix": mix, "datasette": datasette}


# ---------------------------------------------------------------- running


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (from /proc)."""
    from bench.run import _tree_pids

    total = 0.0
    for each in _tree_pids(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wrk_paths(
    wrk_bin: str,
    port: int,
    paths: list[tuple[str, str]],
    connections: int,
    seconds: int,
    pid: int | None = None,
) -> dict[str, Any]:
    """Drive `paths` (each once, in order, split over wrk's threads) for `seconds`. With the
    server's `pid`, also its CPU time per request: on a shared machine the wall-clock figures
    include waiting for a core, the CPU time does not."""
    cpu_before = cpu_seconds(pid) if pid else 0.0
    machine_before = _machine_ticks()
    threads = min(2, connections)
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "paths.tsv"
        listing.write_text("".join(f"{p}\t{h}\n" for p, h in paths))
        script = Path(tmp) / "distinct.lua"
        script.write_text(LUA % {"file": listing, "threads": threads})
        argv = [wrk_bin, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                "--latency", "--timeout", "10s", "-s", str(script),
                f"http://127.0.0.1:{port}"]  # fmt: skip
        output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    match = re.search(r"RUN_JSON (\{.*\})", output)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{output}")
    run = json.loads(match.group(1))
    total, idle = (after - before for after, before in zip(_machine_ticks(), machine_before,
                                                           strict=True))  # fmt: skip
    run["machine_busy_pct"] = round(100 * (1 - idle / total), 1) if total else None
    if pid and run["requests"]:
        run["cpu_ms_per_request"] = round(
            (cpu_seconds(pid) - cpu_before) * 1000 / run["requests"], 2
        )
    run["rps"] = round(run["requests"] / (run["duration_us"] / 1e6), 1)
    run["non_2xx"] = run.pop("status")
    run["socket_errors"] = run["connect"] + run["read"] + run["write"] + run["timeout"]
    if run["requests"] > len(paths):
        run["repeated"] = run["requests"] - len(paths)  # the list ran out: some URLs twice
    return run


def _machine_ticks() -> tuple[int, int]:
    """(all, idle) CPU ticks of the whole machine so far (/proc/stat): how busy its cores were
    during a run, the load generator included."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]  # idle + iowait


def pool_timeouts(log: Path) -> int:
    return log.read_text(errors="replace").count("database pool exhausted")


def warm_up(port: int) -> None:
    """Two URLs outside the measured set: first-use costs of the process, not of a URL."""
    for path in ("/healthz", "/projects?kind=reference&sort=-opened"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()


def export_timing(port: int, pid: int, db: str, sqlite3_bin: str) -> dict[str, Any]:
    """GET /metrics.csv (every metric) with the server's RSS sampled every 20 ms, against
    `sqlite3 -csv` writing the rows of the same query."""
    import resource

    from bench.run import _tree_rss_kb

    before = _tree_rss_kb(pid)
    peak = before
    cpu_before = cpu_seconds(pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _tree_rss_kb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/metrics.csv")
    response = conn.getresponse()
    lines = 0
    size = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
        size += len(chunk)
    app_seconds = time.perf_counter() - start
    app_cpu = cpu_seconds(pid) - cpu_before
    done.set()
    sampler.join()
    conn.close()
    sql = metrics_sql(db)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    reference = subprocess.run([sqlite3_bin, "-csv", "-header", db, sql], capture_output=True,
                               check=True)  # fmt: skip
    sqlite_seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sqlite_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return {
        "status": response.status,
        "rows": lines - 1,
        "sqlite3_rows": reference.stdout.count(b"\n") - 1,
        "bytes": size,
        "seconds": round(app_seconds, 2),
        "sqlite3_seconds": round(sqlite_seconds, 2),
        "ratio": round(app_seconds / sqlite_seconds, 2) if sqlite_seconds else None,
        "server_cpu_seconds": round(app_cpu, 2),
        "sqlite3_cpu_seconds": round(sqlite_cpu, 2),
        "cpu_ratio": round(app_cpu / sqlite_cpu, 2) if sqlite_cpu else None,
        "rss_before_mb": round(before / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": round((peak - before) / 1024, 1),
    }


def metrics_sql(db: str) -> str:
    """The SQL /metrics.csv runs without filters, as text for the sqlite3 shell."""
    from sqlmodel import Session

    from app.config import Settings
    from app.db import build_engine
    from app.exports import metrics_query
    from app.metrics.filter import MetricFilter

    engine = build_engine(Settings(database_url=f"sqlite:///{db}"), create_dir=False)
    with Session(engine) as session:
        statement = metrics_query(session, MetricFilter())
        sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    engine.dispose()
    return sql


def distinct_run(
    db: str,
    wrk_bin: str,
    sqlite3_bin: str,
    serve_app: Any,
    serve_datasette: Any,
    export: bool = True,
    two_workers: bool = False,
) -> dict[str, Any]:
    """The whole distinct-URL measurement on one SQLite file; with `two_workers`, the mix
    again on a fresh server of two workers (no budget: the budgets are for one)."""
    urls = url_sets(db)
    result: dict[str, Any] = {"urls": {k: len(v) for k, v in urls.items()}}
    app = serve_app(db)
    try:
        warm_up(app.port)
        pid = app.proc.pid
        result["first_page"] = wrk_paths(
            wrk_bin, app.port, urls["first"], 1, FIRST_PAGE_SECONDS, pid
        )
        print(f"    first page, 1 conn: {_line(result['first_page'])}", flush=True)
        result["app"] = wrk_paths(wrk_bin, app.port, urls["mix"], CONNECTIONS, MIX_SECONDS, pid)
        print(f"    app, {CONNECTIONS} conn:      {_line(result['app'])}", flush=True)
        result["pool_timeouts"] = pool_timeouts(app.log)
        if export:
            result["export"] = export_timing(app.port, app.proc.pid, db, sqlite3_bin)
            print(f"    /metrics.csv: {result['export']}", flush=True)
        result["server_rss_mb"] = app.rss_mb()
    finally:
        app.stop()
    if two_workers:
        result["app_2_workers"], result["pool_timeouts_2_workers"] = _mix_on(
            serve_app(db, 2), wrk_bin, urls["mix"]
        )
        print(f"    app, 2 workers:      {_line(result['app_2_workers'])}", flush=True)
    ds = serve_datasette(db)
    try:
        result["datasette"] = wrk_paths(wrk_bin, ds.port, urls["datasette"], CONNECTIONS,
                                        MIX_SECONDS, ds.proc.pid)  # fmt: skip
        print(f"    datasette, {CONNECTIONS} conn: {_line(result['datasette'])}", flush=True)
    finally:
        ds.stop()
    return result


def _mix_on(server: Any, wrk_bin: str, paths: list[tuple[str, str]]) -> tuple[dict[str, Any], int]:
    """The mix on a fresh `server` (each URL once): the run and the pool timeouts logged."""
    try:
        warm_up(server.port)
        run = wrk_paths(wrk_bin, server.port, paths, CONNECTIONS, MIX_SECONDS, server.proc.pid)
        return run, pool_timeouts(server.log)
    finally:
        server.stop()


def _line(run: dict[str, Any]) -> str:
    return (f"{run['rps']:.1f} req/s, p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, "
            f"CPU {run.get('cpu_ms_per_request', '-')} ms/request, "
            f"machine {run.get('machine_busy_pct', '-')} % busy, "
            f"non-2xx {run['non_2xx']}, socket errors {run['socket_errors']}")  # fmt: skip


def export_only(db: str, sqlite3_bin: str) -> dict[str, Any]:
    """`python bench/distinct.py DB --export`: only the /metrics.csv timing, fresh server."""
    from bench.run import serve_app

    app = serve_app(db)
    try:
        warm_up(app.port)
        return export_timing(app.port, app.proc.pid, db, sqlite3_bin)
    finally:
        app.stop()


if __name__ == "__main__":
    from bench.run import ensure_tool, serve_app, serve_datasette

    if "--export" in sys.argv:
        print(json.dumps(export_only(sys.argv[1], ensure_tool("sqlite3", "sqlite3")), indent=2))
        raise SystemExit

    tools = ensure_tool("wrk", "wrk"), ensure_tool("sqlite3", "sqlite3")
    figures = distinct_run(sys.argv[1], *tools, serve_app, serve_datasette, two_workers=True)
    print(json.dumps(figures, indent=2))
