"""Readable job details for the admin: timings and source stats as tables, chart previews as
images, files through the permission-checked download view (never the storage's own URL)."""
from __future__ import annotations

import base64

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .models import ReportArtifact, ReportJob

# Shown as tables/images by the methods below instead of raw JSON.
READABLE_JSON_FIELDS = ("stage_timings", "source_stats", "chart_previews")


def artifact_download_link(artifact: ReportArtifact) -> str:
    if not artifact.pk:
        return "—"
    url = reverse("reporting:download", args=[artifact.job.public_id, artifact.format])
    return format_html('<a href="{}">Download {}</a>', url, artifact.format.upper())


def timings_table(job: ReportJob) -> str:
    timings = job.stage_timings if isinstance(job.stage_timings, dict) else {}
    if not timings:
        return "Not started yet."
    rows = format_html_join("", "<tr><td>{}</td><td style='text-align:right'>{}</td></tr>",
                            ((ReportJob.stage_label(str(stage)), _seconds(value)) for stage, value in timings.items()))
    return format_html("<table><thead><tr><th>Stage</th><th>Time</th></tr></thead><tbody>{}</tbody></table>", rows)


def source_stats_table(job: ReportJob) -> str:
    stats = job.source_stats if isinstance(job.source_stats, dict) else {}
    if not stats:
        return "Not collected yet."
    rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
        (name, _seconds(s.get("duration_s")), s.get("bytes", ""), "—" if s.get("cache") == "hit" else s.get("attempts", ""),
         s.get("cache", ""), s.get("error", ""))
        for name, s in stats.items() if isinstance(s, dict)))
    return format_html("<table><thead><tr><th>Source</th><th>Time</th><th>Bytes</th><th>Attempts</th><th>Cache</th>"
                       "<th>Error</th></tr></thead><tbody>{}</tbody></table>", rows)


def previews_images(job: ReportJob) -> str:
    """Each stored preview as an <img> of its SVG, re-checked by the same allow-list as the job page
    (an <img> never runs scripts either)."""
    from reporting.pipeline.rendering.previews import preview_for_display

    items = []
    for stored in job.chart_previews if isinstance(job.chart_previews, list) else []:
        shown = preview_for_display(stored)
        if shown.get("svg"):
            data = base64.b64encode(shown["svg"].encode()).decode()
            items.append(format_html('<figure style="margin:0 0 1em"><img alt="{}" style="max-width:480px;'
                                     'width:100%;background:#fff" src="data:image/svg+xml;base64,{}">'
                                     '<figcaption>{}</figcaption></figure>', shown["title"], data, shown["title"]))
        else:
            items.append(format_html("<p>{}: {}</p>", shown["title"], shown.get("note", "")))
    return format_html_join("", "{}", ((i,) for i in items)) if items else "No charts."


def _seconds(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    return f"{number * 1000:.0f} ms" if number < 1 else f"{number:.2f} s"
