"""Storing the report's HTML view with its files (read by the job page's "View in the browser")."""
from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from reporting.models import JobReportView, ReportJob
from reporting.pipeline.rendering.html_view import report_view_sections
from templates_app.spec import ReportSpec


def report_view_store(*, job: ReportJob, report: ReportSpec, data: dict[str, Any],
                      previews: list[dict[str, str]]) -> JobReportView:
    sections = report_view_sections(report=report, data=data, previews=previews)
    # Display text only; the round trip turns anything odd (a Decimal in a note) into plain JSON.
    sections = json.loads(json.dumps(sections, cls=DjangoJSONEncoder))
    view, _ = JobReportView.objects.update_or_create(job=job, defaults={"sections": sections})
    return view
