"""A GELU exercise document (tanh approximation), for the authoring tests."""

from __future__ import annotations

import copy
from typing import Any

GELU_REFERENCE = """import numpy as np


def gelu(x):
    x = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
    inner = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
    return 0.5 * x * (1.0 + np.tanh(inner))
"""

GELU_DOCUMENT: dict[str, Any] = {
    "slug": "gelu-authored",
    "kind": "code",
    "framework": "numpy",
    "entry_point": "gelu",
    "signature": "def gelu(x: np.ndarray) -> np.ndarray",
    "points": 10,
    "time_limit_seconds": 5,
    "memory_limit_mb": 256,
    "concepts": ["gelu"],
    "title": {"en": "GELU in NumPy", "ko": "NumPy로 GELU 구현하기"},
    "prompt": {
        "en": "Write `gelu(x)` with the tanh approximation.",
        "ko": "tanh 근사로 `gelu(x)`를 작성하세요.",
    },
    "spec": {
        "tests": [
            {
                "name": "course_values",
                "check": "values",
                "points": 4,
                "hidden": False,
                "args": [{"values": [-3.0, -1.0, 0.0, 0.5, 1.0, 3.0]}],
            },
            {
                "name": "random_batch",
                "check": "values",
                "points": 6,
                "hidden": True,
                "args": [{"shape": [8, 5], "dist": "normal", "scale": 3.0}],
            },
        ]
    },
    "starter": "import numpy as np\n\n\ndef gelu(x):\n    raise NotImplementedError\n",
    "reference": GELU_REFERENCE,
    "wrong": {
        "plain_relu.py": "import numpy as np\n\n\ndef gelu(x):\n    return np.maximum(x, 0)\n"
    },
    "right": {},
}


def gelu_document(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the GELU document with top-level ``changes``."""
    return {**copy.deepcopy(GELU_DOCUMENT), **changes}
