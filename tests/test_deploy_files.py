"""The deploy files as an operator would build and start them (no Docker engine needed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _stages() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text()
    parts = re.split(r"^FROM\s+\S+\s+AS\s+(\w+)\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_image_builds_in_a_builder_stage_and_runs_slim_unprivileged_and_checked():
    stages = _stages()
    assert list(stages) == ["builder", "runtime"]
    runtime = stages["runtime"]
    assert "build-essential" in stages["builder"] and "build-essential" not in runtime
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert re.search(r"^RUN .*manage\.py collectstatic", runtime, flags=re.MULTILINE)
    user = re.findall(r"^USER\s+(\S+)", runtime, flags=re.MULTILINE)
    assert user and user[-1] not in {"root", "0", "0:0"}
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime


def test_grading_workers_default_to_one_process_per_core():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert '--concurrency "$${WORKER_CONCURRENCY:-$$(nproc)}"' in compose
    run = (ROOT / "run").read_text()
    assert '--concurrency "${WORKER_CONCURRENCY:-$(nproc)}"' in run


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_the_compose_file_is_valid():
    result = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
