from django import template

from reporting.models import ReportJob
from reporting.services.email_content import period_text
from reporting.web_selectors import job_key_parameters

register = template.Library()


@register.filter
def job_period(job: ReportJob) -> str:
    """"1–31 Oct 2026": the job's report period as the email subject says it ("" without one)."""
    try:
        return period_text(job)
    except Exception:  # an unreadable old version: the list still shows the job
        return ""


@register.filter
def key_parameters(job: ReportJob) -> list[tuple[str, str]]:
    return job_key_parameters(job)


@register.simple_tag
def page_query(query: str, page_param: str, number) -> str:
    """The current filters plus one page number, for pagination links."""
    return f"?{query + '&' if query else ''}{page_param}={number}"


@register.filter
def index(items, position: int):
    try:
        return items[position]
    except (IndexError, TypeError, KeyError):
        return {}
