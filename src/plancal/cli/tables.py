"""Listings the commands print: a rich table readable at 80 columns, CSV for spreadsheets, JSON for scripts.

A listing is typed: each column has a kind (a date, an id, a number or text) and each cell a Python value,
so one listing gives every format without text written and parsed back.

- ``table``: dates, ids and numbers never wrap (``no_wrap``, as wide as their longest value); only text
  (titles, names) folds. When the terminal is too narrow even for that, each record is printed as a
  block of "header: value" lines instead. User data is printed as ``rich.text.Text``, never as markup.
- ``csv``: UTF-8 with a byte-order mark (Excel and LibreOffice then read the diacritics right), a header
  row in Vietnamese, dates dd/mm/yyyy, one row per record, CRLF line ends.
- ``json``: a list of objects with English snake_case keys (stable, for scripts), dates in ISO 8601.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from plancal.vn import dates

Kind = Literal["date", "id", "number", "text"]
Cell = str | int | date | tuple[str, ...] | None

_TEXT_MIN = 10  # a folding text column is never narrower than a date (dates inside text stay whole)


class Format(StrEnum):
    """The output formats of a listing (``--format``)."""

    table = "table"
    csv = "csv"
    json = "json"


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key: English snake_case
    header: str  # the table's and the CSV's header: Vietnamese
    kind: Kind = "text"
    in_table: bool = True  # False: in CSV and JSON only (codes beside the names the table shows)


@dataclass
class Listing:
    columns: Sequence[Column]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    title: str | None = None

    def add(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)


def cell_text(value: Cell, sep: str = ", ") -> str:
    """A cell as a person reads it: dates dd/mm/yyyy, nothing for no value, several values joined."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return sep.join(value)
    if isinstance(value, date):
        return dates.short(value)
    return str(value)


def _json_value(value: Cell) -> str | int | list[str] | None:
    if isinstance(value, tuple):
        return list(value)
    return value.isoformat() if isinstance(value, date) else value


def for_table(listing: Listing) -> Listing:
    """The listing without its CSV- and JSON-only columns."""
    keep = [i for i, c in enumerate(listing.columns) if c.in_table]
    if len(keep) == len(listing.columns):
        return listing
    return Listing([listing.columns[i] for i in keep], [tuple(r[i] for i in keep) for r in listing.rows], listing.title)


def make_table(listing: Listing) -> Table:
    """The rich table of a listing: dates, ids and numbers whole on one line, text folding."""
    listing = for_table(listing)
    table = Table(title=listing.title, box=box.SQUARE, show_edge=False, padding=(0, 1))
    for column in listing.columns:
        if column.kind == "text":
            table.add_column(column.header, overflow="fold", min_width=_widest(listing, column))
        else:
            table.add_column(column.header, no_wrap=True, min_width=_widest(listing, column),
                             justify="right" if column.kind == "number" else "left")
    for row in listing.rows:
        table.add_row(*(Text(cell_text(v, "\n")) for v in row))
    return table


def _widest(listing: Listing, column: Column) -> int:
    """The width a column needs: its longest line (dates, ids, numbers) or its longest word, at most _TEXT_MIN (text)."""
    i = list(listing.columns).index(column)
    if column.kind == "text":
        words = [w for r in listing.rows for w in cell_text(r[i], " ").split()] + column.header.split()
        return min(_TEXT_MIN, max((Text(w).cell_len for w in words), default=1))
    lines = [line for r in listing.rows for line in cell_text(r[i], "\n").splitlines()]
    return max(Text(x).cell_len for x in [column.header, *lines])


def fits(listing: Listing, width: int) -> bool:
    """Whether the table fits in ``width`` columns with its dates, ids and numbers whole."""
    need = len(listing.columns) - 1  # the inner rules (no outer edge)
    for column in listing.columns:
        widest = _widest(listing, column)
        need += 2 + widest
    return need <= width


def blocks(listing: Listing) -> Iterable[Text]:
    """The records one block each ("header: value" lines), for terminals too narrow for the table."""
    label = max((Text(c.header).cell_len for c in listing.columns), default=0)
    for n, row in enumerate(listing.rows, 1):
        block = Text(f"── {n}/{len(listing.rows)} ──", style="bold")
        for column, value in zip(listing.columns, row, strict=True):
            if value is None or value == "" or value == ():
                continue
            block.append("\n" + column.header.ljust(label) + "  ", style="bold")
            block.append(cell_text(value, "\n" + " " * (label + 2)))
        yield block


def render_csv(listing: Listing) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in listing.columns])
    for row in listing.rows:
        writer.writerow([cell_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def render_json(listing: Listing) -> bytes:
    records = [{c.key: _json_value(v) for c, v in zip(listing.columns, row, strict=True)} for row in listing.rows]
    return (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def show(listing: Listing, console: Console, fmt: Format = Format.table) -> None:
    """Print a listing in the format asked for (CSV and JSON as bytes on standard output)."""
    if fmt is not Format.table:
        data = render_csv(listing) if fmt is Format.csv else render_json(listing)
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    listing = for_table(listing)
    if fits(listing, console.width):
        console.print(make_table(listing))
        return
    if listing.title:
        console.print(Text(listing.title, style="italic"))
    for block in blocks(listing):
        console.print(block, soft_wrap=False, overflow="fold")
