"""One ChartSpec + the cells holding its data -> a native openpyxl chart whose series reference those cells."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.chart import BarChart, DoughnutChart, LineChart, PieChart, Reference
from openpyxl.chart._chart import ChartBase
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.legend import Legend
from openpyxl.chart.marker import DataPoint

from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.scale import value_axis
from reporting.pipeline.rendering.theme import PALETTE_HEX
from reporting.pipeline.rendering.xlsx.cells import clean_text

REFERENCE_COLOUR = "B3261E"  # the PDF's reference-line colour
# Size of a chart on the sheet, in centimetres (openpyxl's unit for width/height).
CHART_WIDTH_CM = 18.0
CHART_HEIGHT_CM = 9.0
# Roughly how many default-height rows a chart of CHART_HEIGHT_CM covers (to place the next block below it).
CHART_HEIGHT_ROWS = 19


@dataclass(frozen=True)
class ChartDataBlock:
    """Where a chart's data table sits: a header row, then one row per category.

    Column ``category_col`` holds the categories; the series follow in the next columns, in ChartSpec order.
    """

    worksheet: Any
    header_row: int
    first_row: int
    last_row: int
    category_col: int
    reference_count: int = 0  # reference-line columns after the series

    @property
    def first_series_col(self) -> int:
        return self.category_col + 1


def build_chart(spec: ChartSpec, block: ChartDataBlock) -> ChartBase:
    """A native chart for a non-empty ``spec`` whose data was written at ``block``."""
    if spec.kind in ("pie", "doughnut"):
        chart = _pie_chart(spec, block)
    else:
        chart = _axis_chart(spec, block)
    chart.title = clean_text(spec.title) if spec.title else None
    chart.width = CHART_WIDTH_CM
    chart.height = CHART_HEIGHT_CM
    return chart


def _series_reference(block: ChartDataBlock, min_col: int, max_col: int) -> Reference:
    # From the header row, so each series takes its name from the header cell (titles_from_data).
    return Reference(
        block.worksheet, min_col=min_col, max_col=max_col, min_row=block.header_row, max_row=block.last_row
    )


def _category_reference(block: ChartDataBlock) -> Reference:
    return Reference(
        block.worksheet,
        min_col=block.category_col,
        max_col=block.category_col,
        min_row=block.first_row,
        max_row=block.last_row,
    )


def _axis_chart(spec: ChartSpec, block: ChartDataBlock) -> ChartBase:
    if spec.kind == "line":
        chart: ChartBase = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "hbar" else "col"
        if spec.stacked:
            chart.grouping = "stacked"
            # Without full overlap Excel draws stacked segments side by side.
            chart.overlap = 100
    last_col = block.first_series_col + len(spec.series) - 1
    chart.add_data(_series_reference(block, block.first_series_col, last_col), titles_from_data=True)
    chart.set_categories(_category_reference(block))
    categories = block.last_row - block.first_row + 1
    if spec.kind in ("bar", "hbar"):
        # Few categories: wide gaps keep one or two bars from filling the plot (as the PDF caps them).
        chart.gapWidth = 500 if categories == 1 else 300 if categories == 2 else 150
    if spec.kind == "hbar":
        # Excel draws a bar chart's first category at the bottom; the PDF (and a table) reads top-down.
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"  # ...and keeps the value axis under the bars
    low, high, step = value_axis(spec)
    chart.y_axis.scaling.min, chart.y_axis.scaling.max, chart.y_axis.majorUnit = low, high, step
    chart.x_axis.title = clean_text(spec.x_title) if spec.x_title else None
    chart.y_axis.title = clean_text(spec.y_title) if spec.y_title else None
    # openpyxl 3.1 writes <c:delete val="1"/> by default, which hides both axes in Excel.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend = Legend(legendPos="b")
    for index, series in enumerate(chart.series):
        colour = palette_colour(index)
        if spec.kind == "line":
            series.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.width = 28575  # 2.25 pt, in EMU
            series.smooth = False
        else:
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
    if block.reference_count:
        chart = _with_reference_lines(chart, spec, block, last_col + 1)
    return chart


def _with_reference_lines(chart: ChartBase, spec: ChartSpec, block: ChartDataBlock, first_col: int) -> ChartBase:
    """Targets and thresholds as dashed line series over the bars (a bar + line combination, sharing
    the bar chart's axes), or as more dashed series of a line chart; never as bars."""
    lines = chart if spec.kind == "line" else LineChart()
    first_new = len(lines.series)
    last_col = first_col + block.reference_count - 1
    lines.add_data(_series_reference(block, first_col, last_col), titles_from_data=True)
    if lines is not chart:
        lines.set_categories(_category_reference(block))
    for series in lines.series[first_new:]:
        series.graphicalProperties.line.solidFill = REFERENCE_COLOUR
        series.graphicalProperties.line.width = 19050  # 1.5 pt
        series.graphicalProperties.line.dashStyle = "dash"
        series.marker.symbol = "none"
        series.smooth = False
    if lines is not chart:
        chart += lines  # openpyxl's combination chart: the line is drawn on the bar chart's axes
    return chart


def palette_colour(index: int) -> str:
    """The shared report palette (same colours as the PDF charts), as Excel's RRGGBB."""
    return PALETTE_HEX[index % len(PALETTE_HEX)].lstrip("#").upper()


def _pie_chart(spec: ChartSpec, block: ChartDataBlock) -> ChartBase:
    chart: ChartBase = DoughnutChart() if spec.kind == "doughnut" else PieChart()
    # Pie and doughnut show the first series only (agreed template rule).
    chart.add_data(_series_reference(block, block.first_series_col, block.first_series_col), titles_from_data=True)
    chart.set_categories(_category_reference(block))
    # Only the share on each slice, as in the PDF (the legend names them); every flag is written,
    # since LibreOffice shows name, series and value too when they are left out.
    chart.dataLabels = DataLabelList(showPercent=True, showVal=False, showCatName=False, showSerName=False,
                                     showLegendKey=False, showLeaderLines=False)
    (series,) = chart.series
    for index in range(block.last_row - block.first_row + 1):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = palette_colour(index)
        series.dPt.append(point)
    chart.legend = Legend(legendPos="r")
    return chart
