"""Finding 2 of issue 16: what one client can hold of `bri-tracker serve`.

Real sockets against uvicorn with the options `bri-tracker serve` uses (`uvicorn_options`),
with small limits from Settings so that nothing here takes more than a moment; and one run of
the real `bri-tracker serve` command to prove the wiring."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.server import uvicorn_options
from app.web.security import HeadAsGetMiddleware
from tests.helpers import free_port
from tests.live import running

SOCKET_TIMEOUT_S = 5  # a bound for the old code, which never closed: not a timing assert


def _serve(db_url: str, **limits: object) -> Iterator[str]:
    settings = Settings(database_url=db_url, **limits)
    app = create_app(settings)
    try:
        with running(app, **uvicorn_options(settings)) as base_url:
            yield base_url
    finally:
        app.state.engine.dispose()


@pytest.fixture
def strict_server(seeded_url: str) -> Iterator[str]:
    yield from _serve(seeded_url, header_timeout_s=0.5, max_header_bytes=4096, max_connections=50)


def _connect(base_url: str, receive_buffer: int | None = None) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(SOCKET_TIMEOUT_S)
    sock.connect((host, int(port)))
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_idle_connection_is_closed_without_an_answer(strict_server: str) -> None:
    with _connect(strict_server) as sock:
        assert _read_until_closed(sock) == b""


def test_slow_headers_get_408_and_the_connection_closes(strict_server: str) -> None:
    with _connect(strict_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: a")
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_oversized_header_gets_431(strict_server: str) -> None:
    header = b"X-Big: " + b"a" * 65536 + b"\r\n"
    with _connect(strict_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + header + b"\r\n")
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_huge_header_is_cut_off_not_read_whole(strict_server: str) -> None:
    """A header of 64 MB: the server closes the connection long before it has all arrived
    (the client's send fails) instead of reading it into memory and answering 200."""
    request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: "
    with _connect(strict_server) as sock, pytest.raises(OSError):
        sock.sendall(request)
        for _ in range(1024):
            sock.sendall(b"a" * 65536)


def test_header_within_the_limit_is_served(strict_server: str) -> None:
    response = httpx.get(f"{strict_server}/healthz", headers={"X-Fine": "a" * 2000})
    assert response.status_code == 200


def test_keep_alive_connection_serves_several_requests(strict_server: str) -> None:
    with httpx.Client(base_url=strict_server) as client:
        statuses = [client.get("/healthz").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


def test_connections_beyond_the_limit_get_503_until_some_close(seeded_url: str) -> None:
    limit = 4
    for base_url in _serve(seeded_url, max_connections=limit, header_timeout_s=30):
        held = [_connect(base_url) for _ in range(limit)]
        try:
            refused = httpx.get(f"{base_url}/healthz")
            assert refused.status_code == 503
        finally:
            for sock in held:
                sock.close()
        _wait_for_status(f"{base_url}/healthz", 200)


def _wait_for_status(
    url: str, status: int, deadline_s: float = 10, timeout: float = 5
) -> httpx.Response:
    """Poll until `url` answers `status`: the server notices a closed socket, or a request
    starts, asynchronously. A request that takes longer than `timeout` is asked again."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            response = httpx.get(url, timeout=timeout)
        except httpx.TimeoutException:
            assert time.monotonic() < deadline, f"{url} never answered {status}"
            continue
        if response.status_code == status or time.monotonic() > deadline:
            assert response.status_code == status, response.text
            return response
        time.sleep(0.05)


# ---------------------------------------------------------------- downloads


def test_concurrent_downloads_are_bounded(seeded_url: str) -> None:
    """With one download allowed, another one gets a 503 while one is in progress.

    The first is kept in progress by holding every pooled database connection of the server
    (it runs in this process), so it waits for one; pages need no download place."""
    settings = Settings(
        database_url=seeded_url, export_concurrency=1, db_pool_size=1, db_pool_timeout_s=30
    )
    app = create_app(settings)
    held = [app.state.engine.connect() for _ in range(2)]  # pool size + overflow
    try:
        with running(app, **uvicorn_options(settings)) as base_url:
            with ThreadPoolExecutor(max_workers=1) as first:
                waiting = first.submit(httpx.get, f"{base_url}/metrics.csv", timeout=60)
                busy = _wait_for_status(f"{base_url}/projects.csv", 503, timeout=1)
                assert busy.headers["retry-after"] == "5"
                assert "Too many downloads" in busy.json()["detail"]
                for connection in held:
                    connection.close()
                held = []
                # Whichever of the two came first was let through; the other was refused.
                first = waiting.result()
                assert first.status_code == 200 or "Too many" in first.json()["detail"]
            # Every place is free again once the downloads in progress are done.
            assert "slug" in _wait_for_status(f"{base_url}/projects.csv", 200).text
    finally:
        for connection in held:
            connection.close()
        app.state.engine.dispose()


def test_head_and_abandoned_downloads_give_their_place_back(seeded_url: str) -> None:
    """A HEAD (which stops before the body) or a client that leaves before the first chunk
    must not keep a download place: with one place, GET still works after many of them."""
    settings = Settings(database_url=seeded_url, export_concurrency=1)
    app = create_app(settings)
    try:
        with running(app, **uvicorn_options(settings)) as base_url:
            for _ in range(5):
                assert httpx.head(f"{base_url}/metrics.csv").status_code == 200
                with httpx.stream("GET", f"{base_url}/projects.csv") as response:
                    assert response.status_code == 200  # closed without reading the body
            assert "slug" in _wait_for_status(f"{base_url}/projects.csv", 200).text
    finally:
        app.state.engine.dispose()


def test_head_stops_a_streamed_body_after_the_headers() -> None:
    """HEAD is answered by running GET; for a streamed download it stops at the first chunk
    instead of producing the whole body nobody will read."""
    # A thread of its own: the browser tests' Playwright keeps an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, _head_then_get()).result()


async def _head_then_get() -> None:
    produced: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for number in range(1000):
            produced.append(number)
            yield b"row\n"

    async def download(scope: Scope, receive: Receive, send: Send) -> None:
        await StreamingResponse(chunks(), media_type="text/csv")(scope, receive, send)

    app = HeadAsGetMiddleware(download)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        head = await client.head("/projects.csv")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"].startswith("text/csv")
        assert len(produced) <= 2
        produced.clear()
        get = await client.get("/projects.csv")
        assert get.content == b"row\n" * 1000 and len(produced) == 1000


# ---------------------------------------------------------------- the real command


def test_bri_tracker_serve_applies_the_limits(seeded_url: str) -> None:
    port = free_port()
    env = {**os.environ, "BRI_DATABASE_URL": seeded_url, "BRI_MAX_HEADER_BYTES": "2048"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_up(base_url, process)
        too_big = httpx.get(f"{base_url}/healthz", headers={"X-Big": "a" * 4096})
        assert too_big.status_code == 431
        assert httpx.get(f"{base_url}/healthz").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "bri-tracker serve exited"
        try:
            httpx.get(f"{base_url}/healthz")
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("bri-tracker serve did not start")


def test_route_handlers_run_on_the_configured_number_of_threads(seeded_url: str) -> None:
    """BRI_WORKER_THREADS bounds the handlers' thread pool (anyio's default is 40): requests
    beyond it wait their turn instead of sharing the CPU 40 ways (docs/deployment.md)."""
    import anyio.to_thread
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=seeded_url, worker_threads=3))

    def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    with TestClient(app) as client:
        assert client.portal.call(tokens) == 3
        assert client.get("/healthz").status_code == 200
