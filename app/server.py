"""What one client may hold of `bri-tracker serve`: header size and time, idle time, connections.

uvicorn bounds connections (`limit_concurrency`) and keep-alive idle time, but not how long a
client may take to send its headers nor how large they may be (with httptools): an idle or
slowloris socket stayed open for minutes, and a 50 MB header was read whole. The protocol below
adds both; `uvicorn_options` is the one place the limits from Settings become server options.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import Settings, get_settings


class BoundedHttpProtocol(HttpToolsProtocol):
    """httptools' protocol with a header size limit (431) and a header deadline (408).

    The deadline runs from the connection's first moment, and from the first byte of each
    later request on a keep-alive connection (uvicorn's keep-alive timeout covers the idle
    time in between), until the headers are complete; never while a response is running."""

    max_header_bytes: int | None = None
    header_timeout_s: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_header_bytes is None or self.header_timeout_s is None:
            settings = get_settings()  # a worker process: the same environment as `serve`
            self.max_header_bytes = settings.max_header_bytes
            self.header_timeout_s = settings.header_timeout_s
        self._awaiting_headers = True
        self._header_bytes = 0  # bytes received since the request began, until its headers end
        self._parsed_bytes = 0  # the request line's and headers' own bytes
        self._refused = False
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._awaiting_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        # Data arrives in blocks of at most 256 KiB: a huge header is cut off after one.
        if self._awaiting_headers and self._header_bytes > self._max_header_bytes():
            self._refuse(431, "Request Header Fields Too Large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsed_bytes = 0
        self._start_header_timer()

    def on_url(self, url: bytes) -> None:
        self._parsed_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed_bytes += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._stop_header_timer()
        if self._parsed_bytes > self._max_header_bytes():  # it all came in one block
            self._refuse(431, "Request Header Fields Too Large")
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._awaiting_headers = True
        self._header_bytes = 0

    def _max_header_bytes(self) -> int:
        assert self.max_header_bytes is not None
        return self.max_header_bytes

    def _start_header_timer(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            assert self.header_timeout_s is not None
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_late)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_late(self) -> None:
        self._header_timer = None
        if not self._awaiting_headers or self.transport.is_closing():
            return
        if self._header_bytes:
            self._refuse(408, "Request Timeout")
        else:
            self.transport.close()  # idle: nothing to answer

    def _refuse(self, status: int, reason: str) -> None:
        body = f"{reason}\n".encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode()
        self._awaiting_headers = False
        self._refused = True
        self._stop_header_timer()
        self.transport.write(head + body)
        self.transport.close()


def protocol_for(settings: Settings) -> type[BoundedHttpProtocol]:
    """The protocol with `settings`' limits (tests, and single-process servers)."""
    return type(
        "BoundedHttpProtocolWithLimits",
        (BoundedHttpProtocol,),
        {
            "max_header_bytes": settings.max_header_bytes,
            "header_timeout_s": settings.header_timeout_s,
        },
    )


def uvicorn_options(settings: Settings, *, workers: int = 1) -> dict[str, Any]:
    """Server options from the settings. Several workers are separate processes that import
    the protocol by name, so they get the plain class, which reads the same environment."""
    return {
        "http": protocol_for(settings) if workers == 1 else BoundedHttpProtocol,
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "server_header": False,
    }
