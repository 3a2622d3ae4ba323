"""What the chaos tests start and break: web servers, a cuttable TCP proxy in front of
PostgreSQL, a Redis of their own. Only processes and sockets started here are killed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
GRANIAN = ROOT / ".venv" / "bin" / "granian"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def database_environment(**ports: int) -> dict[str, str]:
    """The test databases' URLs as the settings read them; ``ports`` moves an alias."""
    env = {}
    for alias in connections:
        db = connections[alias].settings_dict
        port = ports.get(alias, db["PORT"] or 5432)
        url = f"postgres://{db['USER']}@{db['HOST']}:{port}/{db['NAME']}"
        env["DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"] = url
    return env


class WebServer:
    """granian serving the shop, with several workers, as ``deploy/web/run`` does."""

    def __init__(self, *, environ: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.environ = environ
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.metrics_dir = tempfile.mkdtemp(prefix="shop-chaos-metrics-")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        env = {
            **os.environ,
            **self.environ,
            "DJANGO_SETTINGS_MODULE": "tests.e2e.chaos_settings",
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(
            [
                str(GRANIAN),
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--blocking-threads",
                "4",
                "shop.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the workers die with it
        )
        wait_until(self._answers, timeout=60, what=f"the web server on {self.port}")
        return self

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """``kill -9`` the server and every worker, as a crashed machine would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def request(
        self, method: str, path: str, *, body: object = None, headers: dict | None = None
    ) -> tuple[int, dict, dict[str, str]]:
        """(status, JSON body, headers by lower-case name); ``OSError`` when the server is gone."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            answer = error.code, error.read(), error.headers
        status, content, headers = answer
        return status, json.loads(content or b"{}"), {k.lower(): v for k, v in headers.items()}


class TcpProxy:
    """Forwards a local port to PostgreSQL; ``cut()`` drops every connection and refuses
    new ones, as a stopped database server would, until ``restore()``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    restore = start

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        if listener is not None:
            listener.close()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class RedisServer:
    """A ``redis-server`` of the test's own on a free port (never the shared one)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        executable = shutil.which("redis-server")
        assert executable, "redis-server is missing: run scripts/services"
        self.process = subprocess.Popen(
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=30, what=f"redis on {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None
