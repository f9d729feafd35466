"""Rules the trusted side checks by reading the student's code, before anything runs.

The sandbox's runtime guards live in the child, which the student's code controls once it
runs; these rules are read off the source in the worker, so no submission can switch them
off. They are teaching rules with a clear message, not a security boundary:

- imports only of modules the grader offers (``module X is not available in the grader``),
  and never the other framework (torch in a NumPy exercise);
- no framework internals: private attributes of numpy or torch (``torch._C``,
  ``numpy.core._multiarray_umath``), ``torch.ops``, ``torch.library``, ``numpy.core``;
- no introspection that reaches the grader's own objects (``__globals__``, ``__dict__``,
  frames) and no dynamic code (``eval``, ``exec``, ``__import__``, ``globals()``,
  ``setattr``), and ``getattr`` only with a written-out public name, so a forbidden
  function cannot be spelled ``getattr(torch, "sig" + "moid")``;
- for ``autograd_function`` exercises, whether the entry point really is a subclass of
  ``torch.autograd.Function`` with its own ``forward`` and ``backward`` (the child's own
  word about its class hierarchy would be the student's claim).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from graders.engine.feedback import Message, msg

# What a submission may import: the frameworks and the pure standard-library helpers the
# sandbox's zygote keeps loaded (the child cannot read the rest of the standard library).
AVAILABLE_MODULES = frozenset(
    {
        "numpy",
        "torch",
        "math",
        "cmath",
        "random",
        "statistics",
        "functools",
        "itertools",
        "collections",
        "typing",
        "dataclasses",
        "abc",
        "copy",
        "operator",
        "numbers",
        "decimal",
        "fractions",
        "warnings",
        "enum",
        "heapq",
        "bisect",
        "contextlib",
        "string",
        "textwrap",
        "time",
        "re",
        "json",
        "array",
        "pprint",
        "secrets",
        "__future__",
    }
)
FRAMEWORKS = ("numpy", "torch")
# Public-looking doors into the dispatcher or the C internals.
INTERNAL_MODULES = (
    "torch.ops",
    "torch.library",
    "torch.overrides",
    "torch.jit",
    "torch.fx",
    "torch.compiler",
    "torch.utils",
    "numpy.core",
    "numpy.ctypeslib",
)
# Attributes that lead from any object to the grader's own frames, modules and functions.
INTROSPECTION = frozenset(
    {
        "__dict__",
        "__globals__",
        "__code__",
        "__closure__",
        "__builtins__",
        "__subclasses__",
        "__bases__",
        "__base__",
        "__mro__",
        "__class__",
        "__getattribute__",
        "__import__",
        "__loader__",
        "__spec__",
        "__self__",
        "__func__",
        "__wrapped__",
        "__reduce__",
        "__reduce_ex__",
        "__setattr__",
        "__delattr__",
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "gi_frame",
        "cr_frame",
        "tb_frame",
        "tb_next",
        "__traceback__",
    }
)
DYNAMIC_CALLS = frozenset(
    {
        "__import__",
        "eval",
        "exec",
        "compile",
        "globals",
        "locals",
        "vars",
        "setattr",
        "delattr",
        "breakpoint",
        "open",
        "input",
    }
)
NAMED_ATTRIBUTE_CALLS = frozenset({"getattr", "hasattr"})
FUNCTION_BASES = ("torch.autograd.Function", "torch.autograd.function.Function")
# Members a Function subclass must not redefine: they would replace autograd's own call.
FUNCTION_OVERRIDES = frozenset(
    {"apply", "__call__", "__new__", "__init_subclass__", "__class_getitem__", "__getattr__"}
)


@dataclass(frozen=True)
class Problem:
    """A rule the code breaks: the student's message and the line it is on."""

    message: Message
    line: int


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound by imports, mapped to the dotted name they stand for."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """``a.b.c`` for a chain of attributes on an imported name, resolved; else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])


# Dunder attributes of a module that only describe it.
MODULE_DESCRIPTIONS = frozenset({"__name__", "__doc__", "__version__"})


def _internal(name: str) -> bool:
    """Whether the dotted name (rooted at an imported module) reaches private internals:
    any private attribute of any module (``warnings._showwarnmsg`` leads to the grader's
    own hooks as surely as ``torch._C`` leads to the dispatcher), or a framework's
    dispatcher doors."""
    parts = name.split(".")
    if any(part.startswith("_") and part not in MODULE_DESCRIPTIONS for part in parts[1:]):
        return True
    return any(name == m or name.startswith(m + ".") for m in INTERNAL_MODULES)


def _import_problem(module: str, framework: str, line: int) -> Problem | None:
    top = module.split(".")[0]
    if top not in AVAILABLE_MODULES:
        return Problem(msg("source.module_unavailable", module=top), line)
    if top in FRAMEWORKS and top != framework and framework == "numpy":
        return Problem(msg("source.other_framework", module=top, framework="NumPy"), line)
    if _internal(module):
        return Problem(msg("source.internals", name=module), line)
    return None


def source_problem(tree: ast.Module, framework: str) -> Problem | None:
    """The first rule ``tree`` breaks, or None.

    tree: the student's parsed module; framework: the exercise's ("numpy" or "torch").
    Returns a Problem naming the rule and the line.
    """
    aliases = _aliases(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                found = _import_problem(alias.name, framework, line)
                if found:
                    return found
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                return Problem(msg("source.module_unavailable", module="." * node.level), line)
            for alias in node.names:
                found = _import_problem(f"{node.module}.{alias.name}", framework, line)
                if found:
                    return found
        elif isinstance(node, ast.Attribute):
            if node.attr in INTROSPECTION:
                return Problem(msg("source.introspection", name=node.attr), line)
            name = dotted(node, aliases)
            if name and _internal(name):
                return Problem(msg("source.internals", name=name), line)
        elif isinstance(node, ast.Name) and node.id in DYNAMIC_CALLS | {"__builtins__"}:
            return Problem(msg("source.dynamic", name=node.id), line)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in NAMED_ATTRIBUTE_CALLS
        ):
            found = _named_attribute_problem(node, aliases)
            if found:
                return found
    return None


def _named_attribute_problem(node: ast.Call, aliases: dict[str, str]) -> Problem | None:
    """``getattr(obj, name)`` must name a public attribute in a string literal."""
    name = node.args[1] if len(node.args) >= 2 else None
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return Problem(msg("source.computed_attribute", call=node.func.id), node.lineno)
    if name.value in INTROSPECTION or name.value.startswith("_"):
        return Problem(msg("source.introspection", name=name.value), node.lineno)
    owner = dotted(node.args[0], aliases) if node.args else None
    if owner and _internal(f"{owner}.{name.value}"):
        return Problem(msg("source.internals", name=f"{owner}.{name.value}"), node.lineno)
    return None


def autograd_function_problem(tree: ast.Module, entry_point: str) -> Message | None:
    """Why ``entry_point`` is not a ``torch.autograd.Function`` subclass of the student's
    own making, read from the source; None when it is.

    tree: the student's parsed module; entry_point: the class name the exercise asks for.
    """
    aliases = _aliases(tree)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == entry_point]
    if len(classes) != 1 or _bindings(tree, entry_point) != 1:
        return msg("source.not_a_function_class", name=entry_point)
    cls = classes[0]
    bases = [dotted(base, aliases) for base in cls.bases]
    if cls.keywords or not any(base in FUNCTION_BASES for base in bases):
        return msg("source.not_a_function_class", name=entry_point)
    for name in {a for a in aliases if aliases[a].split(".")[0] == "torch"}:
        if _bindings(tree, name, imports=False):
            return msg("source.not_a_function_class", name=entry_point)
    members = {
        target.id if isinstance(target, ast.Name) else node.name
        for node in cls.body
        for target in (node.targets if isinstance(node, ast.Assign) else [node])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign))
        and (not isinstance(node, ast.Assign) or isinstance(target, ast.Name))
    }
    overridden = sorted(members & FUNCTION_OVERRIDES)
    if overridden:
        return msg("source.function_override", name=entry_point, member=overridden[0])
    if not {"forward", "backward"} <= members:
        return msg("source.no_backward", name=entry_point)
    for node in ast.walk(tree):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AugAssign, ast.AnnAssign))
            else []
        )
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == entry_point
            ):
                return msg("source.function_override", name=entry_point, member=target.attr)
    return None


def _bindings(tree: ast.Module, name: str, imports: bool = True) -> int:
    """How many statements anywhere in the module bind ``name`` (imports counted or not)."""
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            count += node.name == name
        elif imports and isinstance(node, (ast.Import, ast.ImportFrom)):
            count += sum((a.asname or a.name.split(".")[0]) == name for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            count += node.id == name
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            count += name in node.names
    return count
