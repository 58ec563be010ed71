"""The approved copy of a report PDF: the original's bytes, plus (as an incremental update) one
page with the signature block of every approval of that file. The original file is not changed;
its bytes are the first part of the copy, so an earlier digital signature still covers them."""
from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from reporting.models import ReportApproval
from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.fonts import register_fonts, truncate_to


def approved_pdf_build(*, original: bytes, approvals: Sequence[ReportApproval], job_id: str) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader

    writer = IncrementalPdfFileWriter(io.BytesIO(original), strict=False)
    last_page_ref, _ = writer.find_page_for_modification(-1)
    box = [float(v) for v in last_page_ref.get_object().get("/MediaBox", [0, 0, 595.27, 841.89])]
    width, height = box[2] - box[0], box[3] - box[1]
    block = PdfFileReader(io.BytesIO(_signature_page(width, height, approvals, job_id)), strict=False)
    for index in range(int(block.root["/Pages"]["/Count"])):
        xobject = writer.import_page_as_xobject(block, page_ix=index)
        content = generic.StreamObject(stream_data=b"q /QMSSig Do Q")
        page = generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.FloatObject(v) for v in (0, 0, width, height)]),
            generic.pdf_name("/Resources"): generic.DictionaryObject({
                generic.pdf_name("/XObject"): generic.DictionaryObject({generic.pdf_name("/QMSSig"): xobject}),
            }),
            generic.pdf_name("/Contents"): writer.add_object(content),
        })
        writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _signature_page(width: float, height: float, approvals: Sequence[ReportApproval], job_id: str) -> bytes:
    register_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(width, height))
    x, y = 16 * mm, height - 28 * mm
    canvas.setFillColor(theme.INK)
    canvas.setFont(theme.BOLD_FONT, 14)
    canvas.drawString(x, y, "Electronic signatures")
    y -= 7 * mm
    canvas.setFont(theme.BODY_FONT, 8.5)
    canvas.setFillColor(theme.MUTED)
    canvas.drawString(x, y, f"Report job {job_id}. Each signature applies to the report file with the SHA-256 shown.")
    y -= 10 * mm
    for approval in approvals:
        if y < 70 * mm:  # room for a block with a comment; else the next signatures go on a new page
            _footer(canvas, width)
            canvas.showPage()
            y = height - 28 * mm
        y = _block(canvas, x, y, width - 32 * mm, approval)
    _footer(canvas, width)
    canvas.save()
    return buf.getvalue()


def _footer(canvas: Canvas, width: float) -> None:
    canvas.setFont(theme.BODY_FONT, 7.5)
    canvas.setFillColor(theme.MUTED)
    canvas.drawString(16 * mm, 8 * mm, "Signature page, added when the report was signed; the report's pages "
                                       "before it are unchanged.")
    canvas.setFillColor(theme.INK)


def _block(canvas: Canvas, x: float, y: float, w: float, approval: ReportApproval) -> float:
    from django.utils import timezone

    from zoneinfo import ZoneInfo

    local = timezone.localtime(approval.signed_at, ZoneInfo(approval.time_zone))
    lines = [
        ("Signed by", approval.signer_name),
        ("Date and time", f"{local:%Y-%m-%d %H:%M:%S} {approval.time_zone} (UTC{local:%z})"),
        ("Meaning", f"{approval.get_meaning_display()}: the signer {_meaning_sentence(approval.meaning)}"),
        ("Report SHA-256", approval.artifact_sha256),
    ]
    if approval.partial_acknowledged:
        lines.append(("Note", "Signed knowing that some data was missing from this report."))
    if approval.comment:
        lines.append(("Comment", " ".join(approval.comment.split())))
    box_h = 15 * mm + len(lines) * 4 * mm
    canvas.setStrokeColor(theme.RULE)
    canvas.setFillColor(theme.PANEL_FILL)
    canvas.rect(x, y - box_h, w, box_h, stroke=1, fill=1)
    canvas.setFillColor(theme.INK)
    tx = x + 4 * mm
    canvas.setFont(theme.BOLD_FONT, 12)
    canvas.drawString(tx, y - 7 * mm, approval.get_meaning_display().upper())
    ly = y - 13 * mm
    for label, value in lines:
        canvas.setFont(theme.BOLD_FONT, 8)
        canvas.drawString(tx, ly, label)
        canvas.setFont(theme.BODY_FONT, 8)
        canvas.drawString(tx + 28 * mm, ly, truncate_to(value, w - 36 * mm, theme.BODY_FONT, 8))
        ly -= 4 * mm
    return y - box_h - 6 * mm


def _meaning_sentence(meaning: str) -> str:
    return {
        ReportApproval.Meaning.REVIEWED: "has reviewed this report.",
        ReportApproval.Meaning.APPROVED: "approves this report.",
        ReportApproval.Meaning.REJECTED: "rejects this report.",
    }.get(meaning, meaning)
