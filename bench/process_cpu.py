"""CPU seconds of process trees, read from /proc (Linux), for the benchmarks."""

from __future__ import annotations

import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_table() -> dict[int, tuple[int, float]]:
    """Every visible process: pid -> (parent pid, CPU seconds of it and its reaped children)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                text = stat.read().decode()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        # utime stime cutime cstime are fields 14-17 of stat(5); after the name, 12-15.
        ticks = sum(int(value) for value in fields[11:15])
        table[int(entry)] = (int(fields[1]), ticks / CLOCK_TICKS)
    return table


def tree_cpu(table: dict[int, tuple[int, float]], roots: list[int]) -> float:
    """CPU seconds of ``roots`` and all their live descendants (reaped ones count in cutime)."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack, seen = 0.0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        stack.extend(children.get(pid, ()))
    return total


def own_tree_cpu() -> float:
    """CPU seconds of this process and everything it started, live or reaped."""
    return tree_cpu(process_table(), [os.getpid()])
