from django import template

register = template.Library()

STAGE_LABELS = {
    "validate": "Validate parameters",
    "aggregate": "Collect data",
    "process": "Apply QMS rules",
    "render_pdf": "Render PDF",
    "render_xlsx": "Render workbook",
    "store": "Store files",
    "deliver": "Deliver",
    "done": "Done",
}


@register.filter
def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


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
