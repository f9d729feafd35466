"""Scale-out proof: a worker on another host needs only Redis and the web tier.

The worker runs in a network namespace of its own (its own loopback, one veth link
to this host on a private /30), where relays on this host's end of the link offer
Redis and the live web server, and nothing else: PostgreSQL listens only on this
host's loopback. The test shows the worker cannot open a connection to PostgreSQL
from there, and that a submission is graded all the same.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from django.db import connection

from tests.e2e.conftest import Pipeline, create_course_and_student, start_worker, stop_worker
from tests.e2e.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SIGMOID = Path(__file__).resolve().parents[2] / "exercises/catalog/sigmoid-numpy/reference.py"

# Run inside the namespace: which of these TCP addresses accept a connection.
PROBE = """
import json, socket, sys
result = {}
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        result[target] = "connected"
    except OSError as exc:
        result[target] = type(exc).__name__
print(json.dumps(result))
"""


@dataclass
class IsolatedHost:
    namespace: str
    host_address: str  # this host's end of the link, where the relays listen
    address: str  # the namespace's end

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.namespace, *command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


def _free_subnet() -> tuple[str, str]:
    # A /30 in 10.0.0.0/8 that no interface here uses (other test runs may hold one).
    listed = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, check=False)
    taken = listed.stdout
    for _ in range(50):
        base = (
            f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.{random.randrange(0, 256, 4)}"
        )
        prefix = base.rsplit(".", 1)[0]
        last = int(base.rsplit(".", 1)[1])
        host, guest = f"{prefix}.{last + 1}", f"{prefix}.{last + 2}"
        if f" {host}/" not in taken and f" {guest}/" not in taken:
            return host, guest
    raise RuntimeError("no free /30 found")


@pytest.fixture
def isolated_host() -> Iterator[IsolatedHost]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (ip netns add); not root here")
    if shutil.which("ip") is None:
        pytest.skip("network namespaces need iproute2's `ip`, which is not installed")
    tag = uuid.uuid4().hex[:8]
    namespace, host_link, guest_link = f"aq-{tag}", f"aqh{tag}", f"aqg{tag}"
    try:
        _ip("netns", "add", namespace)
    except RuntimeError as exc:
        pytest.skip(f"network namespaces are unavailable here: {exc}")
    try:
        host_address, address = _free_subnet()
        _ip("link", "add", host_link, "type", "veth", "peer", "name", guest_link)
        _ip("link", "set", guest_link, "netns", namespace)
        _ip("addr", "add", f"{host_address}/30", "dev", host_link)
        _ip("link", "set", host_link, "up")
        inside = ("-n", namespace)
        _ip(*inside, "link", "set", "lo", "up")
        _ip(*inside, "addr", "add", f"{address}/30", "dev", guest_link)
        _ip(*inside, "link", "set", guest_link, "up")
        _ip(*inside, "route", "add", "default", "via", host_address)
        yield IsolatedHost(namespace, host_address, address)
    finally:
        # Deleting the namespace deletes the veth end inside it, and with it the pair;
        # the explicit delete covers a failure before the end was moved there.
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", host_link], capture_output=True, check=False)


def test_a_worker_that_cannot_reach_postgresql_grades_through_redis_and_the_web_tier(
    isolated_host: IsolatedHost,
    live_server: Any,
    web_broker: None,
    redis_url: str,
    settings: Any,
    tmp_path: Path,
) -> None:
    queue = f"grading-e2e-netns-{uuid.uuid4().hex[:10]}"
    settings.ACTQUIZ_GRADING_QUEUE = queue
    # The worker addresses the web tier by the link address, so its requests carry it.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, isolated_host.host_address]
    token = create_course_and_student()
    parts, web = urlsplit(redis_url), urlsplit(live_server.url)
    broker = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379, isolated_host.host_address)
    api = TcpProxy(web.hostname or "127.0.0.1", web.port or 80, isolated_host.host_address)
    database = connection.settings_dict
    database_port = int(database.get("PORT") or 5432)
    worker = None
    try:
        targets = [
            f"{isolated_host.host_address}:{database_port}",
            f"127.0.0.1:{database_port}",
            f"{isolated_host.host_address}:{broker.port}",
            f"{isolated_host.host_address}:{api.port}",
        ]
        probe = isolated_host.run(sys.executable, "-c", PROBE, *targets)
        assert probe.returncode == 0, probe.stderr
        reached = json.loads(probe.stdout)
        assert reached[targets[0]] != "connected", "PostgreSQL is reachable from the worker's host"
        assert reached[targets[1]] != "connected", "PostgreSQL is reachable from the worker's host"
        assert reached[targets[2]] == "connected" and reached[targets[3]] == "connected", reached

        name = database["NAME"]
        worker = start_worker(
            queue=queue,
            redis_url=f"redis://{isolated_host.host_address}:{broker.port}/0",
            api_url=f"http://{isolated_host.host_address}:{api.port}",
            log_path=tmp_path / "celery-netns.log",
            wrapper=("ip", "netns", "exec", isolated_host.namespace),
            # The real database's address as this host sees it: unreachable from there.
            DATABASE_URL=f"postgres://postgres@{isolated_host.host_address}:{database_port}/{name}",
        )
        pipeline = Pipeline(live_server.url, token, worker, broker, api)
        response = pipeline.submit("sigmoid-numpy", SIGMOID.read_text())
        assert response.status_code == 202, response.text

        body = pipeline.wait_final(response.json()["id"])

        assert body["status"] == "graded", body
        assert body["score"] == body["max_score"] > 0
    finally:
        if worker is not None:
            stop_worker(worker)
        broker.close()
        api.close()
        redis.Redis.from_url(redis_url).delete(queue)
