"""Shop processes of the tests' own: ``serve_grpc`` and a web server, on the test databases."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 90


def environment_of_the_test_databases(aliases: Iterable[str] | None = None) -> dict[str, str]:
    """The ``*DATABASE_URL`` variables naming this session's test databases (``default``
    and, when ``aliases`` is given, only those app databases)."""
    env = {}
    for alias in connections:
        if aliases is not None and alias != "default" and alias not in aliases:
            continue
        db = connections[alias].settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        env["DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"] = url
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ShopProcess:
    """A process of the shop's code; ``apps`` (``SHOP_APPS``) limits what it serves and
    which databases it is told about."""

    def __init__(
        self, *, apps: str | None = None, simulator: dict[str, Any] | None = None, **env: str
    ) -> None:
        base = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
        served = None if apps is None else [app.strip() for app in apps.split(",")]
        self.env = {
            **base,
            **environment_of_the_test_databases(served),
            "DJANGO_SETTINGS_MODULE": "tests.contracts.server_settings",
            "TEST_PAYMENTS_SIMULATOR": json.dumps(simulator or {}),
            **({"SHOP_APPS": apps} if apps else {}),
            **env,
        }
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.output: list[str] = []

    def _spawn(self, *args: str) -> queue.Queue[str | None]:
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
        return lines

    def _read(self, lines: queue.Queue[str | None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, timeout: float = 30, signum: int = signal.SIGTERM) -> int:
        """Ask it to stop (SIGTERM, as an orchestrator does); its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL: the process dies without a word."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


class GrpcServerProcess(ShopProcess):
    """``manage.py serve_grpc`` on a free port; ``url`` is what a client binds to."""

    @property
    def url(self) -> str:
        return f"grpc://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> GrpcServerProcess:
        lines = self._spawn(
            "manage.py", "serve_grpc", "--host", "127.0.0.1", "--port", str(port), "--grace", "2"
        )
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT_SECONDS)
            except queue.Empty:
                self.kill()
                raise RuntimeError("serve_grpc did not start:\n" + "".join(self.output)) from None
            if line is None:
                raise RuntimeError("serve_grpc exited:\n" + "".join(self.output))
            if line.startswith("serving "):
                self.port = int(line.rsplit(":", 1)[1])
                return self


class WebServerProcess(ShopProcess):
    """``manage.py runserver`` (no reloader) on a free port, answering ``/healthz``."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServerProcess:
        self.port = free_port()
        self._spawn("manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError("runserver exited:\n" + "".join(self.output))
            try:
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2)
                return self
            except OSError:
                time.sleep(0.2)
        self.kill()
        raise RuntimeError("runserver did not answer:\n" + "".join(self.output))


class WorkerProcess(ShopProcess):
    """``manage.py run_worker``: delivers, relays and consumes the events of its apps."""

    def start(self) -> WorkerProcess:
        lines = self._spawn("manage.py", "run_worker", "--poll-interval", "0.1")
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT_SECONDS)
            except queue.Empty:
                self.kill()
                raise RuntimeError("run_worker did not start:\n" + "".join(self.output)) from None
            if line is None:
                raise RuntimeError("run_worker exited:\n" + "".join(self.output))
            if line.startswith("worker ") and " started" in line:
                return self
