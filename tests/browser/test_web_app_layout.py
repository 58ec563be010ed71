"""Every main page at 1280 and 390 px (no horizontal overflow at 390: scrollWidth <= innerWidth),
screenshots of each under var/screenshots/, and a crawl of every link reachable as staff and as a
viewer with no 404 and no 500."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from demo.loader import demo_seed
from reporting.models import ReportJob, Schedule
from templates_app.models import DataSource, ReportTemplate
from tests.browser.web_helpers import WIDTHS, crawl, overflow, set_width, shoot, sign_in, wait
from tests.factories import JobReportViewFactory, JobShareFactory, ReportArtifactFactory, ReportJobFactory, \
    ScheduleFactory

pytestmark = [pytest.mark.e2e]
OCT = {"start": "2026-10-01", "end": "2026-10-31", "preset": "custom"}
# Log-out is a POST form; django-rq's pages are django-rq's (guarded, not ours to lay out).
CRAWL_SKIP = ["/logout", "/admin/rq/"]
REPORT_SECTIONS = [
    {"type": "heading", "title": "Summary", "level": 1},
    {"type": "kpis", "title": "Headline", "note": "", "cards": [
        {"name": "On-time CAPA closure", "value": "82.8 %", "status": "Good", "status_key": "good",
         "change": "▲ 1.4 vs Sep", "assessment": "better", "note": ""},
        {"name": "Open deviations", "value": "No data", "status": "", "status_key": "", "change": "",
         "assessment": "", "note": "The deviation source did not answer."}]},
    {"type": "table", "title": "Departments", "note": "", "totals": [], "left_out": 0,
     "columns": [{"label": "Department", "numeric": False, "status": False},
                 {"label": "A very long column heading that wraps", "numeric": True, "status": False},
                 {"label": "Status", "numeric": False, "status": True}],
     "rows": [[f"Department number {i} with a long name", f"{i * 7:,}", "Good"] for i in range(80)]},
]


def _finished_job(template, user):
    job = ReportJobFactory(template=template, template_version=template.published_version, requested_by=user,
                           parameters={"period": OCT}, status=ReportJob.Status.SUCCEEDED,
                           stage_timings={"collect": 0.4, "render_pdf": 1.2},
                           source_stats={"quality_metrics": {"duration_s": 0.3, "bytes": 5120, "attempts": 1,
                                                             "cache": "miss"}})
    ReportArtifactFactory(job=job, format="pdf")
    ReportArtifactFactory(job=job, format="xlsx")
    JobReportViewFactory(job=job, sections=REPORT_SECTIONS)
    return job


def _main_pages(job, template, schedule, *, staff: bool) -> dict[str, str]:
    pages = {
        "home": "/", "catalog": "/reports/", "run_form": f"/reports/{template.slug}/run/", "job_list": "/jobs/",
        "job_list_filtered": "/jobs/?q=2026&status=succeeded", "job_page": f"/jobs/{job.public_id}/",
        "job_report": f"/jobs/{job.public_id}/report/", "run_again": f"/jobs/{job.public_id}/run-again/",
        "schedules": "/schedules/", "schedule": f"/schedules/{schedule.pk}/", "not_found": "/no-such-page/",
    }
    if staff:
        source = DataSource.objects.order_by("pk").first()
        pages.update({"monitor": "/monitor/", "admin": "/admin/", "admin_jobs": "/admin/reporting/reportjob/",
                      "admin_job": f"/admin/reporting/reportjob/{job.pk}/change/",
                      "admin_sources": "/admin/templates_app/datasource/",
                      "admin_source": f"/admin/templates_app/datasource/{source.pk}/change/",
                      "admin_source_test": f"/admin/templates_app/datasource/{source.pk}/test/",
                      "admin_templates": "/admin/templates_app/reporttemplate/",
                      "admin_versions": f"/admin/templates_app/reporttemplate/{template.pk}/versions/",
                      "admin_publish_confirm": f"/admin/templates_app/templateversion/{template.published_version_id}/publish/"})
    else:
        pages["forbidden"] = "/monitor/"
    return pages


@pytest.mark.parametrize("username,password,staff", [("demo", "demo-password", True),
                                                     ("viewer", "viewer-password", False)])
def test_pages_fit_390_px_and_every_link_works(live_server, browser, transactional_db, screenshot_dir,
                                               username, password, staff):
    demo_seed(base_url=live_server.url)
    template = ReportTemplate.objects.order_by("pk").first()
    from django.contrib.auth import get_user_model
    users = {u.username: u for u in get_user_model().objects.all()}
    job = _finished_job(template, users[username])
    other = _finished_job(template, users["demo" if username == "viewer" else "viewer"])
    JobShareFactory(job=other, user=users[username])  # a shared report is reachable too
    schedule = ScheduleFactory(template=template, owner=users[username], parameters={"period": "last_month"}) \
        if not Schedule.objects.exists() else Schedule.objects.first()

    sign_in(browser, live_server.url, username, password)
    overflowing = {}
    for width in WIDTHS:
        set_width(browser, width)
        for name, path in _main_pages(job, template, schedule, staff=staff).items():
            browser.get(f"{live_server.url}{path}")
            assert browser.find_elements(By.TAG_NAME, "h1"), f"{path}: no heading (an unstyled page?)"
            scroll, inner = overflow(browser)
            if width == 390 and scroll > inner:
                overflowing[path] = (scroll, inner)
            shoot(browser, screenshot_dir, f"{username}-{name}")
    assert not overflowing, f"pages wider than the 390 px window (scrollWidth, innerWidth): {overflowing}"

    # The navbar collapses at 390 px and opens with its toggler (Bootstrap's vendored JS).
    set_width(browser, 390)
    browser.get(f"{live_server.url}/")
    toggler = browser.find_element(By.CSS_SELECTOR, ".navbar-toggler")
    jobs_link = browser.find_element(By.CSS_SELECTOR, "#main-nav a[href='/jobs/']")
    assert toggler.is_displayed() and not jobs_link.is_displayed()
    toggler.click()
    wait(browser).until(lambda d: jobs_link.is_displayed())
    shoot(browser, screenshot_dir, f"{username}-menu_open")

    set_width(browser, 1280)
    statuses = crawl(browser, ["/"], skip=CRAWL_SKIP)
    broken = {url: status for url, status in statuses.items() if status in (404, 500) or not isinstance(status, int)}
    assert len(statuses) > (40 if staff else 12), sorted(statuses)
    assert not broken, f"broken links as {username}: {broken}"
