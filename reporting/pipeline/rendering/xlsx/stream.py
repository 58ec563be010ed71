"""Write-only sheets that take ready-made cells straight through (the hot path of big tables).

openpyxl's WriteOnlyWorksheet binds every appended item as a value first; a Cell fails that bind and is
only then used, through a ValueError whose message formats the cell's repr. With ~1M styled cells
per 100k-row table that detour costs more than a sixth of the write time. This subclass yields
cells as they are and binds plain values exactly as openpyxl does.

Pinned to openpyxl 3.1.5 (requirements.in); the rendering tests read every kind of cell back.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet


class StyleCachedCell(Cell):
    """A cell re-used for every row of a column: its style id is looked up once, not per row.

    openpyxl finds a cell's style id by hashing its style (in Python) on every write; a column's
    re-used cell keeps one style, so the id is kept and looked up again only if the style changes.
    About a tenth of a formatted 100k-row table's write time (tests/perf/bench_xlsx.py)."""

    __slots__ = ("_cached_style", "_cached_style_id")

    def __init__(self, worksheet: Any):
        super().__init__(worksheet)
        self._cached_style: StyleArray | None = None
        self._cached_style_id = 0

    @property
    def style_id(self) -> int:
        style = self._style
        if style is None or self._cached_style is None or style != self._cached_style:
            self._cached_style_id = Cell.style_id.fget(self)
            self._cached_style = StyleArray(self._style)
        return self._cached_style_id


class PassThroughWriteOnlyWorksheet(WriteOnlyWorksheet):
    def _values_to_row(self, values: Iterable[Any], row_idx: int) -> Iterator[Cell]:
        cell = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                value.column = col_idx
                value.row = row_idx
                if value.hyperlink is not None:
                    value.hyperlink.ref = value.coordinate
                yield value
                continue
            cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            # openpyxl's own rule: a cell that picked up a style (e.g. a date format) is not re-used.
            if cell.has_style or cell.hyperlink:
                cell = WriteOnlyCell(self)


def create_streaming_sheet(workbook: Any, title: str) -> PassThroughWriteOnlyWorksheet:
    """A new last sheet of a ``Workbook(write_only=True)``."""
    sheet = PassThroughWriteOnlyWorksheet(parent=workbook, title=title)
    workbook._add_sheet(sheet)
    return sheet
