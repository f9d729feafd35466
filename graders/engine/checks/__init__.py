"""The registry of checks: ``CHECKS[name]`` is the Check a test's ``check`` key names.

Every module in this package is imported on first use of ``CHECKS``, so a new family of
checks (``values.py``, ``torch_grad.py``, ...) only has to decorate its classes with
``@register("name")``. Importing the package (or ``checks.base``) alone loads no family:
modules the checks themselves import, such as ``graders.engine.hints`` and
``graders.engine.compare``, can then import ``checks.base`` without an import cycle.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from graders.engine.checks.base import Check, CheckContext, ReferenceFailure

_registry: dict[str, Check] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: register an instance of the class as the check ``name``.

    name: the value of ``check`` in a test dict. Returns the decorator; registering
    the same name twice raises ValueError (two checks must not silently shadow).
    """

    def decorator(cls: type) -> type:
        if name in _registry and type(_registry[name]) is not cls:
            raise ValueError(f"check {name!r} is registered twice")
        _registry[name] = cls()
        return cls

    return decorator


def __getattr__(name: str) -> dict[str, Check]:
    # PEP 562: runs only while CHECKS is not yet a module attribute, i.e. on first use.
    if name != "CHECKS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    globals()["CHECKS"] = _registry
    return _registry


__all__ = ["CHECKS", "Check", "CheckContext", "ReferenceFailure", "register"]
