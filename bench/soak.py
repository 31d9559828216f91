"""Soak: 64 connections for 60 s over a mix of pages, htmx fragments, API calls and downloads.

Serves the app with one uvicorn worker (`bri-tracker serve`) on a SQLite file loaded with seed/,
checks every path answers 200 once, warms up, then drives it with wrk; a Lua script hands each
connection the next path round-robin. Reports errors (non-2xx/3xx responses and socket errors:
connect, read, write, timeout) and the server's RSS after the warm-up, during and at the end of
the soak (growth in %), and writes bench/results/soak.json. Figures are reported, not asserted.

    python bench/soak.py            # SOAK_DURATION=60 SOAK_CONNECTIONS=64 SOAK_WARMUP=15
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("SOAK_DURATION", "60"))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "64"))
WARMUP = int(os.environ.get("SOAK_WARMUP", "15"))
# A request queued behind 63 others on one worker may take seconds; only a real failure to
# answer within this is counted as a timeout error.
WRK_TIMEOUT = "30s"
GROWTH_LIMIT_PCT = 20.0
HTMX = {"HX-Request": "true"}

# (path, headers): pages, the fragments htmx asks for, the JSON API and downloads.
MIX: list[tuple[str, dict[str, str]]] = [
    ("/", {}),
    ("/projects", {}),
    ("/projects?sector=energy", {}),
    ("/projects?q=wind&sort=-claimed", {}),
    ("/projects/karot-hydropower", {}),
    ("/projects/mozura-wind-park", {}),
    ("/projects/china-laos-railway", {}),
    ("/projects/jakarta-bandung-hsr", {}),
    ("/statements", {}),
    ("/countries/PAK", {}),
    ("/sectors/transport", {}),
    ("/methodology", {}),
    ("/projects?sector=transport", HTMX),
    ("/projects?country=PAK&status=operational", HTMX),
    ("/projects?page=2&per_page=10", HTMX),
    ("/statements?sector=energy", HTMX),
    ("/api/v1/projects", {}),
    ("/api/v1/projects?sector=energy&per_page=10", {}),
    ("/api/v1/projects/karot-hydropower", {}),
    ("/api/v1/statements", {}),
    ("/api/v1/metrics?per_page=50", {}),
    ("/api/v1/countries", {}),
    ("/projects.csv", {}),
    ("/projects.geojson", {}),
]

LUA = """
local mix = {%s}
local i = 0
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
request = function()
  i = i %% #mix + 1
  local item = mix[i]
  return wrk.format("GET", item[1], item[2])
end
-- A download beyond BRI_EXPORT_CONCURRENCY is refused at once with a 503 by design
-- (ExportLimitMiddleware); counted apart, so every other non-2xx still fails the soak.
refused = 0
response = function(status, headers, body)
  if status == 503 and body and body:find("Too many downloads", 1, true) then
    refused = refused + 1
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local r = 0
  for _, thread in ipairs(threads) do
    r = r + (thread:get("refused") or 0)
  end
  io.write(string.format(
    'SOAK_JSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_ms": %%.1f, "p90_ms": %%.1f, ' ..
    '"p99_ms": %%.1f, "max_ms": %%.1f, "refused_downloads": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, r))
end
"""


def lua_script(mix: list[tuple[str, dict[str, str]]]) -> str:
    """The wrk script: each thread walks the mix round-robin and prints its totals as JSON."""

    def lua_str(text: str) -> str:
        return json.dumps(text)  # a JSON string of ASCII is a valid Lua string literal

    items = []
    for path, headers in mix:
        table = ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items())
        items.append(f"{{{lua_str(path)}, {{{table}}}}}")
    return LUA % ", ".join(items)


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk with apt-get ...", flush=True)
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", "wrk"]
    if subprocess.run(apt, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
        subprocess.run(apt, check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("wrk not found after installing it")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seeded_database(folder: Path) -> str:
    """A fresh SQLite file loaded with seed/ through the real CLI; its URL."""
    url = f"sqlite:///{folder / 'soak.db'}"
    env = {**os.environ, "BRI_DATABASE_URL": url}
    for argv in (["db", "upgrade"], ["load", "--quiet", str(ROOT / "seed")]):
        subprocess.run([str(BIN / "bri-tracker"), *argv], env=env, cwd=ROOT, check=True)
    return url


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its children (MB), from /proc."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return round(total / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    kids = [int(k) for k in found]
    return kids + [g for k in kids for g in _children(k)]


def get(port: int, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BRI_DATABASE_URL": url}
    argv = [str(BIN / "bri-tracker"), "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if get(port, "/healthz", {}) == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("server did not start within 60 s")


def run_wrk(wrk: str, script: Path, port: int, seconds: int) -> dict[str, Any]:
    """wrk with the mix; the summed per-run figures its `done` hook printed."""
    argv = [
        wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", WRK_TIMEOUT,
        "-s", str(script), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("SOAK_JSON "))
    figures: dict[str, Any] = json.loads(line.removeprefix("SOAK_JSON "))
    figures["requests_per_s"] = round(figures["requests"] / (figures["duration_us"] / 1e6), 1)
    socket_errors = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    refused = figures["refused_downloads"]
    figures["errors"] = {"non_2xx_3xx": figures.pop("status") - refused, "socket": socket_errors}
    figures["errors"].update({k: figures.pop(k) for k in ("connect", "read", "write", "timeout")})
    return figures


def sample_rss(pid: int, stop: threading.Event, samples: list[tuple[float, float]]) -> None:
    start = time.monotonic()
    while not stop.wait(5):
        samples.append((round(time.monotonic() - start, 1), rss_mb(pid)))


def soak() -> dict[str, Any]:
    """Serve, check, warm up, soak; the figures as a dict."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="bri-soak-") as tmp:
        folder = Path(tmp)
        url = seeded_database(folder)
        port = free_port()
        server = start_server(url, port)
        try:
            statuses = {path: get(port, path, headers) for path, headers in MIX}
            broken = {p: s for p, s in statuses.items() if s != 200}
            if broken:
                sys.exit(f"paths that do not answer 200 before the soak: {broken}")
            script = folder / "mix.lua"
            script.write_text(lua_script(MIX))
            warm = run_wrk(wrk, script, port, WARMUP)
            rss_warm = rss_mb(server.pid)
            samples: list[tuple[float, float]] = []
            stop = threading.Event()
            sampler = threading.Thread(target=sample_rss, args=(server.pid, stop, samples))
            sampler.start()
            try:
                result = run_wrk(wrk, script, port, DURATION)
            finally:
                stop.set()
                sampler.join()
            rss_end = rss_mb(server.pid)
            alive = get(port, "/healthz", {}) == 200
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    growth = round((rss_end - rss_warm) / rss_warm * 100, 1)
    errors = result["errors"]["non_2xx_3xx"] + result["errors"]["socket"]
    return {
        "config": {
            "connections": CONNECTIONS,
            "duration_s": DURATION,
            "warmup_s": WARMUP,
            "wrk_timeout": WRK_TIMEOUT,
            "workers": 1,
            "database": "SQLite, seed/",
            "mix": [{"path": p, "htmx": bool(h)} for p, h in MIX],
        },
        "warmup": warm,
        "soak": result,
        "rss_mb": {"after_warmup": rss_warm, "end": rss_end, "samples": samples},
        "rss_growth_pct": growth,
        "server_alive_after": alive,
        "passed": errors == 0 and growth <= GROWTH_LIMIT_PCT and alive,
        "machine": {"cpus": os.cpu_count()},
    }


def main() -> None:
    figures = soak()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(figures, indent=2) + "\n")
    soak_run, rss = figures["soak"], figures["rss_mb"]
    print(
        f"soak: {CONNECTIONS} connections, {DURATION} s, {len(MIX)} paths round-robin\n"
        f"  requests {soak_run['requests']} ({soak_run['requests_per_s']}/s), "
        f"latency p50 {soak_run['p50_ms']} ms, p99 {soak_run['p99_ms']} ms, "
        f"max {soak_run['max_ms']} ms\n"
        f"  errors: {soak_run['errors']}\n"
        f"  downloads refused by the bound (503, by design): {soak_run['refused_downloads']}\n"
        f"  server answered /healthz after the soak: {figures['server_alive_after']}\n"
        f"  RSS after warm-up {rss['after_warmup']} MB, end {rss['end']} MB, "
        f"growth {figures['rss_growth_pct']} % (limit {GROWTH_LIMIT_PCT} %)\n"
        f"  {'PASS' if figures['passed'] else 'FAIL'} -> bench/results/soak.json"
    )
    if not figures["passed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
