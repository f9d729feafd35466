"""The gradebook as a CSV file that spreadsheet programs open correctly.

One row per student: ``username``, ``name``, one column per exercise headed
``Title (max N)``, then ``Total (max N)`` (final counted scores only) and
``Provisional`` (the sum of scores still waiting for review). A provisional cell reads
``7 (provisional)``; an exercise never attempted is empty. The file is UTF-8 with a
byte-order mark, without which Excel reads Korean names as mojibake.
"""

from __future__ import annotations

import csv
import io
from typing import Any

BOM = "\ufeff"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _header(book: dict[str, Any]) -> list[str]:
    columns = ["username", "name"]
    columns += [
        _safe(f"{exercise['title']} (max {_number(exercise['max_score'])})")
        for exercise in book["exercises"]
    ]
    columns += [f"Total (max {_number(book['max_total'])})", "Provisional"]
    return columns


def _cell(cell: dict[str, Any]) -> str:
    text = _number(cell["counted_score"])
    if text and cell["provisional"]:
        return f"{text} (provisional)"
    return text


def gradebook_csv(book: dict[str, Any]) -> str:
    """Return ``book`` (``selectors.gradebook``) as CSV text starting with a BOM."""
    out = io.StringIO()
    out.write(BOM)
    # RFC 4180 rows end in CRLF.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_header(book))
    for student in book["students"]:
        row = [_safe(student["username"]), _safe(student["name"])]
        row += [_cell(student["exercises"][e["slug"]]) for e in book["exercises"]]
        row += [_number(student["total"]), _number(student["total_provisional"])]
        writer.writerow(row)
    return out.getvalue()


def _safe(text: str) -> str:
    # A name starting with = + - @ would be evaluated as a formula by Excel (CSV
    # injection); a leading apostrophe makes it plain text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
