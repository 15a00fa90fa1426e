"""The HTTP server the app runs in, for ``spapi-mock serve`` and the suite's in-process servers.

Granian, embedded: its HTTP parsing and socket writes are Rust, in a thread of their own, and
only the ASGI call runs in Python, on the loop of the thread that runs the server. Measured
against uvicorn with httptools and uvloop on the same app (getOrder, wrk -c16, one core, busy
machine): 2.4x the requests a second, about a fifth less CPU a request, p99 a third. It serves
on a socket already listening (``serve`` listens before it loads anything), one worker in this
process, so the app and its services are the ones the caller built.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading

from granian._granian import SocketHolder
from granian.constants import Interfaces
from granian.server.embed import Server as _Embedded

# Granian says its embedded mode is experimental at warning level, once per start.
logging.getLogger("_granian").setLevel(logging.ERROR)
# The access log's line, as uvicorn's read: ``client - "GET /path?query HTTP/1.1" 200`` (a
# filter on ACCESS_LOG puts the query into ``path``; granian keeps them apart).
ACCESS_LOG = logging.getLogger("granian.access")
ACCESS_LOG_FORMAT = '%(addr)s - "%(method)s %(path)s %(protocol)s" %(status)d'


class HttpServer:
    """Serves ``app`` on ``sock`` (bound and listening) until ``stop``."""

    def __init__(self, app, sock: socket.socket, backlog: int = 2048, access_log: bool = False) -> None:
        self._server = _Listening(app, sock, backlog, access_log)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.started = threading.Event()

    def run(self, handle_signals: bool = False) -> None:
        """Serve on this thread until ``stop`` (or SIGINT/SIGTERM with ``handle_signals``)."""
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            self._loop = runner.get_loop()
            if handle_signals:
                for number in (signal.SIGINT, signal.SIGTERM):
                    self._loop.add_signal_handler(number, self._server.signal_handler_interrupt)
            self._loop.call_soon(self.started.set)
            runner.run(self._server.serve())

    def stop(self) -> None:
        """From any thread: finish the requests under way and return from ``run``."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._server.signal_handler_interrupt)


class _Listening(_Embedded):
    """Granian's embedded server on a socket it is handed rather than one it binds."""

    def __init__(self, app, sock: socket.socket, backlog: int, access_log: bool) -> None:
        super().__init__(
            app,
            interface=Interfaces.ASGINL,
            websockets=False,
            backlog=backlog,
            log_enabled=False,
            log_access=access_log,
            log_access_format=ACCESS_LOG_FORMAT,
        )
        self._sock = sock
        self._backlog = backlog

    def _init_shared_socket(self) -> None:
        self._ssp = None
        # Granian closes the descriptor it is handed when it stops; the caller closes its own.
        self._shd = SocketHolder(os.dup(self._sock.fileno()), False, self._backlog)


def _loop_factory():
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
        return None
    return uvloop.new_event_loop


def drop_connection(client: tuple[str, int] | None) -> bool:
    """Close this process's connection to ``client`` (the scope's ``client``) without an answer,
    as a network failure would; False if it is not found. Granian gives the app no handle on the
    connection, so its socket is found among the process's open files (an injected fault's
    cost, never a request's)."""
    if not client:
        return False
    peer = (client[0], int(client[1]))
    for fd in _open_fds():
        try:
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if sock.type == socket.SOCK_STREAM and sock.getpeername()[:2] == peer:
                sock.shutdown(socket.SHUT_RDWR)
                return True
        except OSError:
            pass
        finally:
            sock.close()
    return False


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: every descriptor that may be open
        return list(range(3, 4096))
