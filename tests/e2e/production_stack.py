"""ActQuiz as production runs it: gunicorn with DEBUG=0 on collected static files.

``ProductionStack`` builds a fresh database (a SQLite file of its own, so it works
whatever database the test run uses), runs ``migrate``, ``load_catalog``,
``demo_setup`` and ``collectstatic`` with the production settings, and starts
gunicorn (N worker processes) and, when asked, a real Celery worker on a private
queue. Everything it starts is stopped by ``close()``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProductionStack:
    """gunicorn (+ optionally one Celery worker) on a fresh database, DEBUG off."""

    def __init__(self, workdir: Path, redis_url: str, **env: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.queue = f"grading-prod-{uuid.uuid4().hex[:10]}"
        self.redis_url = redis_url
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "actquiz.settings",
            "DEBUG": "0",
            "SECRET_KEY": f"prod-test-{uuid.uuid4().hex}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no TLS proxy in front here.
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": f"sqlite:///{workdir / 'actquiz.sqlite3'}",
            "STATIC_ROOT": str(workdir / "static"),
            "REDIS_URL": redis_url,
            # Its own cache namespace: counters start at zero, nothing leaks between runs.
            "ACTQUIZ_CACHE_PREFIX": f"{os.environ.get('ACTQUIZ_CACHE_PREFIX', 'test')}-"
            f"{uuid.uuid4().hex[:8]}",
            "ACTQUIZ_GRADING_QUEUE": self.queue,
            "ACTQUIZ_API_URL": self.url,
            **env,
        }
        self.credentials: dict[str, Any] = {}

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}"
        return result.stdout

    def prepare(self) -> None:
        """Migrate, load the catalog, create the demo accounts, collect static files."""
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("load_catalog", "-v", "0")
        self.credentials = json.loads(self.manage("demo_setup", "--json"))
        self.env["ACTQUIZ_GRADER_TOKEN"] = self.credentials["grader"]["token"]
        self.manage("collectstatic", "--no-input", "-v", "0")

    def _start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.processes.append((process, log_path))
        return process

    def start_web(self, workers: int = 2) -> None:
        """Start gunicorn with ``workers`` processes and wait until it answers."""
        process = self._start(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "actquiz.wsgi", "-c", "python:actquiz.gunicorn",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)],
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{self.logs()}"
            try:
                requests.get(f"{self.url}/login/", timeout=5)
                return
            except requests.RequestException:
                assert time.monotonic() < deadline, f"gunicorn did not answer:\n{self.logs()}"
                time.sleep(0.3)

    def start_worker(self) -> None:
        """Start one Celery worker process on this stack's private queue."""
        self._start(
            "worker",
            [sys.executable, "-m", "celery", "-A", "actquiz", "worker", "-Q", self.queue,
             "--concurrency", "1", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"{self.queue}@%h", "--loglevel", "INFO"],
        )  # fmt: skip

    def token(self, role: str) -> str:
        return self.credentials[role]["token"]

    def logs(self, lines: int = 40) -> str:
        parts = []
        for _, path in self.processes:
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- {path.name}\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts)

    def close(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        import redis

        redis.Redis.from_url(self.redis_url).delete(self.queue)
