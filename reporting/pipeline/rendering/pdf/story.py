"""The story: the title block, the partial-data notice and one block of flowables per spec section.

A heading, a section title and the start of a table, chart or KPI grid are kept on one page.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from reporting.pipeline.context import ReportContext
from reporting.pipeline.section_data import no_data_text, section_rows
from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.charts import chart_height_range
from reporting.pipeline.rendering.chartspec import ChartSectionError, ChartSpec
from reporting.pipeline.rendering.fonts import printable_text
from reporting.pipeline.rendering.pdf.flowables import ChartFlowable, OutlinedParagraph
from reporting.pipeline.rendering.pdf.kpi import KpiCard
from reporting.pipeline.rendering.pdf.markup import generated_text, markup_text, plain_text, shortened, text_chunks
from reporting.pipeline.rendering.pdf.styles import make_styles
from reporting.pipeline.rendering.pdf.tables import build_table
from reporting.pipeline.rendering.rules import is_rules_section, rules_lines, rules_title
from templates_app.spec import (
    ChartSection, HeadingSection, KpisSection, Section, TableSection, TextSection,
)

# Parameter values longer than this are shortened in the title block (about 11 lines of A4 portrait):
# the title block is one table whose rows cannot split, and a row taller than a page fails the PDF.
MAX_PARAMETER_CHARS = 1_000
MAX_PARAMETER_LINES = 12
MAX_PARAMETER_LABEL_CHARS = 200
# A table is kept whole when it fits the page with this much to spare (room for a heading above it).
KEEP_TOGETHER_SLACK = 60.0
SECTION_GAP = 12.0


class StoryBuilder:
    def __init__(self, context: ReportContext, frame_width: float, frame_height: float):
        self.context = context
        self.width = frame_width
        self.height = frame_height
        self.styles = make_styles()

    def build(self) -> list[Flowable]:
        story: list[Flowable] = [*self._title_block()]
        if self.context.is_partial:
            story.append(self._partial_notice())
        blocks = [self._section(section) for section in self.context.sections]
        # A heading keeps company with the start of what follows it: never alone at a page foot.
        # Leads are worked out backwards because a heading may be followed by another heading.
        following_lead = 0.0
        for block in reversed(blocks):
            if block.is_heading:
                block.lead += following_lead
                block.flowables.insert(0, self._keep_room(block.lead))
            following_lead = block.lead
        for block in blocks:
            story.extend(block.flowables)
        return story

    def _keep_room(self, height: float) -> CondPageBreak:
        """Start a new page unless ``height`` is left on this one.

        Capped below the frame height: at the top of an empty page the break would only add a blank page.
        """
        return CondPageBreak(min(height, self.height - 1))

    def _measure(self, flowable: Flowable) -> float:
        _, height = flowable.wrap(self.width, self.height)
        return height + flowable.getSpaceBefore() + flowable.getSpaceAfter()

    # -- title and notice

    def _title_block(self) -> Iterable[Flowable]:
        ctx, s = self.context, self.styles
        yield Paragraph(markup_text(ctx.title), s.title)
        labels = [shortened(label, MAX_PARAMETER_LABEL_CHARS, 2)[0] for label, _ in ctx.parameter_lines]
        meta: list[list[Any]] = [[Paragraph(markup_text(label), s.meta_label), self._parameter_value(value)]
                                 for label, (_, value) in zip(labels, ctx.parameter_lines)]
        meta.append([Paragraph("Generated", s.meta_label),
                     Paragraph(markup_text(generated_text(ctx.generated_at)), s.meta_value)])
        meta.append([Paragraph("Requested by", s.meta_label),
                     Paragraph(markup_text(ctx.requested_by or "—"), s.meta_value)])
        label_width = min(self.width * 0.3, max(
            [stringWidth(plain_text(label), theme.BODY_FONT, 8.5) for label in labels]
            + [stringWidth("Requested by", theme.BODY_FONT, 8.5)]) + 12)
        table = Table(meta, colWidths=[label_width, self.width - label_width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, theme.HEADER_FILL),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
        ]))
        yield table
        yield Spacer(1, 10)

    def _parameter_value(self, value: Any) -> Any:
        """A parameter's value for the title block; a long one shortened, with a note saying so.

        A table row cannot break across pages: an unshortened 6,000-character value made the title
        block taller than a page (LayoutError). The workbook's Summary sheet has every value in full.
        """
        text, cut = shortened(value, MAX_PARAMETER_CHARS, MAX_PARAMETER_LINES)
        paragraph = Paragraph(markup_text(text), self.styles.meta_value)
        if not cut:
            return paragraph
        where = "; the full value is in the workbook" if _has_workbook(self.context) else ""
        note = f"(shortened: {len(printable_text(value, newlines=True)):,} characters{where})"
        return [paragraph, Paragraph(markup_text(note), self.styles.muted)]

    def _partial_notice(self) -> Flowable:
        s = self.styles
        content: list[Flowable] = [
            Paragraph("Incomplete report: some data could not be collected", s.notice_title),
            Paragraph("Sections that depend on the sources below show “No data” instead of figures.", s.notice),
        ]
        for failure in self.context.missing_sources:
            kind = "required" if failure.required else "optional"
            content.append(Paragraph(
                f"• <b>{markup_text(failure.name)}</b> ({kind}): {markup_text(failure.reason)}", s.notice))
        box = Table([[content]], colWidths=[self.width])
        box.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), theme.NOTICE_FILL),
            ("LINEBEFORE", (0, 0), (0, -1), 3, theme.NOTICE_BORDER),
            ("BOX", (0, 0), (-1, -1), 0.5, theme.NOTICE_BORDER),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ]))
        box.spaceAfter = 10
        return box

    # -- sections

    def _section(self, section: Section) -> _Block:
        kind = section.type
        if isinstance(section, HeadingSection):
            heading = self._heading(section)
            return _Block([heading], self._measure(heading), is_heading=True)
        if isinstance(section, TextSection):
            paragraphs = self._text(section.text)
            # A paragraph may split between lines: its first lines must fit, not all of it.
            lead = min(self._measure(paragraphs[0]), 3 * self.styles.body.leading + self.styles.body.spaceAfter)
            return _Block(paragraphs, lead)
        if kind == "page_break":
            return _Block([PageBreak()], 0.0)
        if isinstance(section, KpisSection):
            return self._kpis(section)
        if isinstance(section, ChartSection):
            return self._chart(section)
        if isinstance(section, TableSection):
            return self._table(section)
        if is_rules_section(section):
            return self._rules(section)
        return self._titled(section, self._no_data(no_data_text(f"unsupported section type '{kind}'")))

    def _text(self, text: Any) -> list[Flowable]:
        """One Paragraph, or for a long text consecutive pieces (``text_chunks``) that read as one.

        Only the last piece has the body's space after it, so the pieces show as one paragraph.
        """
        pieces = list(text_chunks(text))
        if len(pieces) == 1:
            return [Paragraph(markup_text(pieces[0]), self.styles.body)]
        run = self.styles.body_run
        return [Paragraph(markup_text(piece), run if index < len(pieces) - 1 else self.styles.body)
                for index, piece in enumerate(pieces)]

    def _heading(self, section: HeadingSection) -> Flowable:
        level = 2 if section.level == 2 else 1
        text = plain_text(section.text)
        style = self.styles.h1 if level == 1 else self.styles.h2
        return OutlinedParagraph(markup_text(text), style, level - 1, text or "Section")

    def _titled(self, section: Section, body: Flowable, body_lead: float | None = None,
                keep_with_title: float | None = None) -> _Block:
        """A section's title (if any) and body; the title never ends a page without the body's start.

        ``body_lead`` is how much of the body must share the page with the title (all of it by default).
        """
        if body_lead is None:
            body_lead = self._measure(body)
        title: list[Flowable] = []
        section_title = getattr(section, "title", "")
        if section_title:
            title = [Paragraph(markup_text(section_title), self.styles.h3)]
        lead = sum(self._measure(f) for f in title) + body_lead + 1  # 1 pt for rounding in the frame
        return _Block([self._keep_room(lead), *title, body], lead)

    def _rows(self, section: KpisSection | ChartSection | TableSection) -> tuple[list[dict[str, Any]] | None, str]:
        found = section_rows(self.context.data, section.data)
        # found.text: the processors' own sentence when they gave one, else "No data: <why>".
        return (found.rows or None), found.text

    def _no_data(self, text: str) -> Flowable:
        box = Table([[Paragraph(markup_text(text), self.styles.muted)]], colWidths=[self.width])
        box.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), theme.PANEL_FILL),
            ("BOX", (0, 0), (-1, -1), 0.5, theme.RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]))
        box.spaceAfter = SECTION_GAP
        return box

    def _kpis(self, section: KpisSection) -> _Block:
        rows, reason = self._rows(section)
        if rows is None:
            return self._titled(section, self._no_data(reason))
        per_row = 4 if self.width > 600 else 3
        gap = 8.0
        card_width = (self.width - gap * (per_row - 1)) / per_row
        cards = [KpiCard(row, card_width) for row in rows]
        grid = [cards[i:i + per_row] for i in range(0, len(cards), per_row)]
        grid[-1] += [""] * (per_row - len(grid[-1]))
        table = Table(grid, colWidths=[card_width + gap] * (per_row - 1) + [card_width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), gap),
        ]))
        table.spaceAfter = SECTION_GAP - gap
        # The grid may split between card rows: the first row of cards must share the page with the title.
        return self._titled(section, table, body_lead=KpiCard.height_pt + gap)

    def _chart(self, section: ChartSection) -> _Block:
        rows, reason = self._rows(section)
        if rows is None:
            return self._titled(section, self._no_data(reason))
        try:
            spec = ChartSpec.from_section(section, rows)
        except ChartSectionError as error:
            return self._titled(section, self._no_data(no_data_text(str(error))))
        minimum, preferred = chart_height_range(spec, self.width, self.height)
        chart = ChartFlowable(spec, self.width, minimum, preferred)
        chart.spaceAfter = SECTION_GAP
        return self._titled(section, chart, body_lead=minimum)

    def _rules(self, section: Section) -> _Block:
        """The rules in force (metric definitions, status bands): a small titled bullet list.

        Without lines (no definitions, data missing) the section prints nothing at all."""
        lines = rules_lines(self.context.data, section)
        if not lines:
            return _Block([], 0.0)
        title = Paragraph(markup_text(rules_title(section)), self.styles.h3)
        items = [Paragraph(f"•\u00a0{markup_text(line)}", self.styles.rule_item) for line in lines]
        lead = self._measure(title) + sum(self._measure(item) for item in items[:2]) + 1
        return _Block([self._keep_room(lead), title, *items, Spacer(1, SECTION_GAP)], lead)

    def _table(self, section: TableSection) -> _Block:
        rows, reason = self._rows(section)
        if rows is None:
            return self._titled(section, self._no_data(reason))
        table = build_table(section, rows, self.styles, self.width, self.height)
        table.spaceAfter = SECTION_GAP
        whole = table.full_height()
        if whole <= self.height - KEEP_TOGETHER_SLACK:
            # A table that fits on one page is never split: it starts on the next page if need be.
            return self._titled(section, table, body_lead=whole)
        return self._titled(section, table, body_lead=table.first_chunk_height())


def _has_workbook(context: ReportContext) -> bool:
    """Whether the report's outputs include the workbook (a spec without "outputs" renders every format)."""
    outputs = context.report.outputs
    return not outputs or "xlsx" in outputs


@dataclass
class _Block:
    """The flowables of one spec section, and the height that must be left on a page for it to start there."""

    flowables: list[Flowable]
    lead: float
    is_heading: bool = False
