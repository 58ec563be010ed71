from django import template
from django.utils.safestring import mark_safe

from reporting.headline import headline_rows
from reporting.models import ReportJob

register = template.Library()


@register.filter
def headline(job: ReportJob) -> list[dict[str, str]]:
    return headline_rows(job.headline)


@register.filter
def stage_label(stage: str) -> str:
    return ReportJob.stage_label(stage)


@register.filter
def seconds(value) -> str:
    """Durations as people read them: '< 1 ms', '12 ms', '1.25 s'."""
    if value is None:
        return "—"
    value = float(value)
    if value < 0.001:
        return "< 1 ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


@register.filter
def chart_preview(preview) -> dict:
    """A stored chart preview ready for a page: {"title", "svg"} with the SVG marked safe only after
    ``preview_for_display`` rebuilt it from allow-listed elements, else {"title", "note"} (plain text)."""
    # Imported here: the previews module pulls in ReportLab, which pages without charts do not need.
    from reporting.pipeline.rendering.previews import preview_for_display

    shown = preview_for_display(preview)
    if "svg" in shown:
        shown["svg"] = mark_safe(shown["svg"])  # rebuilt from an allow-list; every text node escaped
    return shown
