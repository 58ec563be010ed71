"""XLSX renderer: a Summary sheet, a native chart per chart section, an Excel Table per table section.

``renderer`` writes the workbook (streaming) and hands each part to a writer: ``summary`` (title,
parameters, KPI table), ``chart_sheet`` with ``charts`` (the data blocks and native charts over them)
and ``tables`` (one sheet per table section). ``cells``, ``values`` and ``stream`` are the shared
cell-level parts.
"""
from reporting.pipeline.rendering.xlsx.renderer import XlsxRenderer

__all__ = ["XlsxRenderer"]
