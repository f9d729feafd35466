"""Forbidden functions: an AST check before the module runs, and hooks while it runs.

An exercise such as "implement sigmoid yourself" forbids ``torch.sigmoid``. That is a
teaching rule, not a security boundary (the sandbox is that), but it should be hard to
dodge by accident or by a simple trick: aliases (``import torch as t``, ``from torch
import sigmoid as s``), ``getattr(torch, "sig" + "moid")``, the method form
``x.sigmoid()``, and the other public spellings of the same operation are all caught.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Iterable
from typing import Any

# Other public spellings of the same operation, keyed by the torch function name.
_TORCH_ALIASES = {
    "sigmoid": ("torch.special.expit", "torch.nn.functional.sigmoid"),
    "tanh": ("torch.nn.functional.tanh",),
    "relu": ("torch.nn.functional.relu", "torch.relu_", "torch.nn.functional.relu_"),
    "softmax": ("torch.special.softmax", "torch.nn.functional.softmax"),
    "log_softmax": ("torch.special.log_softmax", "torch.nn.functional.log_softmax"),
    "logsumexp": ("torch.special.logsumexp",),
}
# torch.nn activation modules and the operator each one runs.
_MODULE_OPS = {
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "Softmax": "softmax",
    "LogSoftmax": "log_softmax",
    "ELU": "elu",
    "GELU": "gelu",
    "SiLU": "silu",
    "Softplus": "softplus",
    "Hardtanh": "hardtanh",
}
_FUNCTION_OPS = {"expit": "sigmoid"}
_NUMPY_PREFIXES = ("numpy._core.umath.", "numpy._core.numeric.")


class ForbiddenCall(BaseException):
    """Raised by a runtime hook; a BaseException so ``except Exception`` cannot hide it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is not allowed in this exercise")
        self.name = name


def expand(names: Iterable[str]) -> dict[str, str]:
    """Map every spelling to block onto the forbidden name it stands for.

    ``names`` are the job's dotted names (``"torch.sigmoid"``, ``"numpy.tanh"``,
    ``"torch.Tensor.sigmoid"``, ``"torch.nn.Sigmoid"``). Returns ``{spelling: name}``.
    """
    spellings: dict[str, str] = {}
    for name in names:
        spellings[name] = name
        parts = name.split(".")
        if (
            parts[0] == "torch"
            and len(parts) == 2
            or name.startswith("torch.Tensor.")
            and len(parts) == 3
        ):
            op = parts[-1]
            family = [
                f"torch.{op}",
                f"torch.{op}_",
                f"torch.Tensor.{op}",
                f"torch.Tensor.{op}_",
                f"torch.nn.functional.{op}",
                f"torch._C._VariableFunctions.{op}",
                *_TORCH_ALIASES.get(op, ()),
            ]
            for spelling in family:
                spellings.setdefault(spelling, name)
        elif parts[0] == "torch" and parts[1:2] == ["nn"] and len(parts) == 3:
            spellings.setdefault(f"torch.nn.modules.activation.{parts[2]}", name)
        elif parts[0] in ("numpy", "np") and len(parts) == 2:
            spellings.setdefault(f"numpy.{parts[1]}", name)
            for prefix in _NUMPY_PREFIXES:
                spellings.setdefault(prefix + parts[1], name)
    return spellings


class _Resolver:
    """Finds uses of forbidden dotted names, following import aliases."""

    def __init__(self, spellings: dict[str, str]) -> None:
        self.spellings = spellings
        self.aliases: dict[str, str] = {}

    def learn_imports(self, node: ast.Import | ast.ImportFrom) -> str | None:
        """Record the names an import binds; return a forbidden dotted name it imports."""
        hit = None
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                self.aliases[alias.asname or top] = alias.name if alias.asname else top
                hit = hit or self._match(alias.name)
        elif node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                self.aliases[alias.asname or alias.name] = full
                hit = hit or self._match(full)
        return hit

    def dotted(self, node: ast.AST) -> str | None:
        """The dotted name an expression stands for, when it starts at an imported module."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def use(self, node: ast.AST) -> str | None:
        """Return the forbidden name ``node`` uses, if any."""
        if isinstance(node, ast.Attribute):
            return self._match(self.dotted(node))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            return self._match(self.aliases.get(node.id))
        # getattr(torch, "sigmoid") with a literal name is the same as torch.sigmoid.
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            base = self.dotted(node.args[0])
            return self._match(f"{base}.{node.args[1].value}") if base else None
        return None

    def _match(self, dotted: str | None) -> str | None:
        return self.spellings.get(dotted) if dotted else None


def check_source(tree: ast.AST, names: Iterable[str]) -> tuple[str, int] | None:
    """Look for a forbidden name in a parsed module.

    ``tree`` is the module's AST, ``names`` the forbidden dotted names. Returns
    ``(name, line)`` for the first use found, or None.
    """
    spellings = expand(names)
    if not spellings:
        return None
    resolver = _Resolver(spellings)
    nodes = list(ast.walk(tree))
    # Aliases first (an import inside a function may come after a use in walk order).
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            hit = resolver.learn_imports(node)
            if hit:
                return hit, node.lineno
    for node in nodes:
        hit = resolver.use(node)
        if hit:
            return hit, getattr(node, "lineno", 0)
    return None


def _resolve_owner(dotted: str) -> tuple[Any, str] | None:
    """Return ``(owner, attribute)`` for a dotted name, importing modules as needed."""
    parts = dotted.split(".")
    # Modules already loaded first: in the forked child a failed import of a prefix
    # ("torch.Tensor") walks the import machinery and costs milliseconds per spelling.
    loaded = [s for s in range(len(parts) - 1, 0, -1) if ".".join(parts[:s]) in sys.modules]
    for split in loaded or range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:split]))
            for part in parts[split:-1]:
                owner = getattr(owner, part, None)
                if owner is None:
                    return None
            return (owner, parts[-1]) if hasattr(owner, parts[-1]) else None
        except Exception:  # noqa: BLE001, S112
            # Not importable here (absent, or lazily importing a module the locked-down
            # child cannot read): the student cannot reach it either.
            continue
    return None


def install_hooks(names: Iterable[str], on_call: Callable[[str], None]) -> list[str]:
    """Replace every spelling of each forbidden name with a function that refuses to run.

    ``names`` are the job's forbidden dotted names; ``on_call(name)`` is told about each
    attempt (so a caught ``ForbiddenCall`` still counts). Returns the spellings hooked.
    """
    hooked = []
    for spelling, name in expand(names).items():
        target = _resolve_owner(spelling)
        if target is None:
            continue
        owner, attr = target

        def refuse(*_args: Any, _name: str = name, **_kwargs: Any) -> Any:
            on_call(_name)
            raise ForbiddenCall(_name)

        try:
            setattr(owner, attr, refuse)
        except (AttributeError, TypeError):
            continue  # an immutable C type: the AST check and the other spellings remain
        hooked.append(spelling)
    return hooked


def torch_operators(names: Iterable[str]) -> dict[str, str]:
    """The ATen operator base names behind forbidden torch names: ``{op: forbidden name}``.

    ``names`` are the job's forbidden dotted names; non-torch names are ignored.
    """
    ops: dict[str, str] = {}
    for name in names:
        parts = name.split(".")
        if parts[0] != "torch":
            continue
        last = parts[-1]
        if len(parts) == 3 and parts[1] == "nn" and last in _MODULE_OPS:
            ops.setdefault(_MODULE_OPS[last], name)
        elif last[:1].islower():
            op = last.strip("_")
            ops.setdefault(_FUNCTION_OPS.get(op, op), name)
    return ops


def install_dispatch_guard(names: Iterable[str], on_call: Callable[[str], None]) -> bool:
    """Refuse forbidden torch operators at the dispatcher, whatever Python path reached them.

    Catches what attribute hooks cannot: ``torch.ops.aten.sigmoid``,
    ``torch._C.TensorBase.sigmoid`` and any other alias of the same operator.
    ``names`` are the job's forbidden names; ``on_call(name)`` is told about each
    attempt. Returns True when a guard was installed (some name was a torch operator).
    """
    ops = torch_operators(names)
    if not ops:
        return False
    from torch.utils._python_dispatch import TorchDispatchMode

    class RefuseOperators(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            # Otherwise torch wraps the handler so that its first call imports
            # torch._dynamo, which needs stdlib modules the child cannot read.
            return False

        def __torch_dispatch__(
            self, func: Any, types: Any, args: Any = (), kwargs: Any = None
        ) -> Any:
            op = func._schema.name.split("::")[-1].strip("_")
            if op in ops:
                on_call(ops[op])
                raise ForbiddenCall(ops[op])
            return func(*args, **(kwargs or {}))

    # Entered for the rest of the child's life: the mode stays on the dispatch stack.
    RefuseOperators().__enter__()
    return True
