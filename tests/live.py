"""A real server for tests that need real sockets: uvicorn on a free port, in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.helpers import free_port


@contextmanager
def running(app: Any, **config: Any) -> Iterator[str]:
    """Serve `app` (an ASGI app or an import string with factory=True) until the block ends;
    yields the base URL. `config` goes to uvicorn.Config (limits, timeouts, protocol)."""
    port = free_port()
    options = {"host": "127.0.0.1", "port": port, "log_level": "critical", **config}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
