"""The registry of checks: ``CHECKS[name]`` is the Check a test's ``check`` key names.

Every module in this package is imported on first use, so a new family of checks
(``values.py``, ``torch_grad.py``, ...) only has to decorate its classes with
``@register("name")``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from graders.engine.checks.base import Check, CheckContext, ReferenceFailure

CHECKS: dict[str, Check] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: register an instance of the class as the check ``name``.

    name: the value of ``check`` in a test dict. Returns the decorator; registering
    the same name twice raises ValueError (two checks must not silently shadow).
    """

    def decorator(cls: type) -> type:
        if name in CHECKS and type(CHECKS[name]) is not cls:
            raise ValueError(f"check {name!r} is registered twice")
        CHECKS[name] = cls()
        return cls

    return decorator


def _load_families() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


_load_families()

__all__ = ["CHECKS", "Check", "CheckContext", "ReferenceFailure", "register"]
