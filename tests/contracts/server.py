"""``manage.py serve_grpc`` in a process of its own, on the test databases."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


def test_database_environment() -> dict[str, str]:
    """The ``*DATABASE_URL`` variables naming this test session's databases."""
    env = {}
    for alias in connections:
        db = connections[alias].settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        env["DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"] = url
    return env


class GrpcServerProcess:
    """A ``serve_grpc`` process on a free port; ``url`` is what a client binds to."""

    def __init__(self, *, simulator: dict[str, Any] | None = None, **env: str) -> None:
        self.env = {
            **os.environ,
            **test_database_environment(),
            "DJANGO_SETTINGS_MODULE": "tests.contracts.server_settings",
            "TEST_PAYMENTS_SIMULATOR": json.dumps(simulator or {}),
            **env,
        }
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.output: list[str] = []

    @property
    def url(self) -> str:
        return f"grpc://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> GrpcServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve_grpc", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
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

    def _read(self, lines: queue.Queue[str | None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as an orchestrator stops it; the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
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
