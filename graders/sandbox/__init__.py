"""Process isolation for untrusted NumPy/PyTorch code: a warm zygote forks one locked-down
child per job and only plain arrays come back. No Django, no settings.

See graders/README.md (section ``graders.sandbox``) for the contract.
"""

from graders.sandbox.sandbox import Sandbox, SandboxError, SandboxUnavailable
from graders.sandbox.types import Call, CallResult, Job, Limits, RunResult

__all__ = [
    "Call",
    "CallResult",
    "Job",
    "Limits",
    "RunResult",
    "Sandbox",
    "SandboxError",
    "SandboxUnavailable",
]
