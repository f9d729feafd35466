"""graders.sandbox is plain Python: importing it pulls in neither Django nor torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_sandbox_loads_no_django_and_no_torch() -> None:
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import graders.sandbox; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'torch', 'celery')); "
        "print(bad)"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(ROOT)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
