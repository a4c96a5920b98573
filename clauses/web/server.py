"""Run the web application with uvicorn: in the foreground (``clauses web``; Ctrl-C stops it) or in
a thread (``clauses serve``, tests, benchmarks). The socket is bound first, so ``port=0`` gives a
free port whose address is known before the first request."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class WebServer:
    """uvicorn on a socket bound at construction. ``run()`` blocks; ``start()``/``stop()`` run it in
    a thread."""

    def __init__(self, app, *, host: str = "127.0.0.1", port: int = 8030, log_level: str = "warning",
                 proxy_headers: bool = True) -> None:
        self.socket = bind(host, port)
        self.host, self.port = self.socket.getsockname()[:2]
        self.server = uvicorn.Server(uvicorn.Config(
            app, log_level=log_level, access_log=False, proxy_headers=proxy_headers, forwarded_allow_ips="127.0.0.1",
            timeout_keep_alive=30, limit_concurrency=1000, server_header=False))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: the stop was asked for
            pass

    def start(self, timeout: float = 30.0) -> "WebServer":
        self._thread = threading.Thread(target=self.run, name="clauses-web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web service did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()
