"""The web app in a real browser (issue 15): live chart previews, the HTML view, "Run again with
changes", sharing (colleague sees it, a third user gets 404, revoking ends it), job list filters and
search kept in the URL."""
from __future__ import annotations

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from reporting.models import JobShare, ReportJob
from tests.browser.web_helpers import fetch_status, shoot, sign_in, wait
from tests.factories import ReportJobFactory, StaticSourceFactory, UserFactory, published_template, scheduled_spec

pytestmark = [pytest.mark.e2e]
JOB_WAIT_S = 90
ROWS = [{"name": f"Line {i}", "value": i * 3} for i in range(1, 8)]


def _template():
    source = StaticSourceFactory(name="lines", static_data={"rows": ROWS})
    return published_template(spec=scheduled_spec(source_name=source.name, title="Monthly summary"), slug="monthly")


def _set(driver, field_id: str, value: str) -> None:
    field = driver.find_element(By.ID, field_id)
    driver.execute_script("arguments[0].value = arguments[1];"
                          "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", field, value)


def _click(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()


def _submit_run_form(driver) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    _click(driver, driver.find_element(By.CSS_SELECTOR, "input[type=submit][value='Generate report']"))
    wait(driver).until(EC.staleness_of(old))


def test_live_previews_html_view_run_again_and_sharing(live_server, browser, rq_worker, screenshot_dir):
    _template()
    UserFactory(username="olga", first_name="Olga", last_name="Owner")
    UserFactory(username="colin", first_name="Colin", last_name="Colleague")
    UserFactory(username="trudy", first_name="Trudy", last_name="Third")
    base = live_server.url

    sign_in(browser, base, "olga")
    browser.get(f"{base}/reports/monthly/run/")
    Select(browser.find_element(By.ID, "id_period_preset")).select_by_visible_text("Custom range")
    _set(browser, "id_period_start", "2026-10-01")
    _set(browser, "id_period_end", "2026-10-31")
    Select(browser.find_element(By.ID, "id_department")).select_by_visible_text("Quality")
    _submit_run_form(browser)
    wait(browser).until(EC.url_contains("/jobs/"))
    first_url = browser.current_url
    assert not browser.find_elements(By.CSS_SELECTOR, ".chart-preview"), "previews before the job ran"

    # Live: the previews must arrive with the final status, without a reload.
    browser.execute_script("window.__marker = 'kept';")
    rq_worker.start()
    try:
        wait(browser, JOB_WAIT_S).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#job-status .chart-preview svg")))
    except TimeoutException:
        pytest.fail(f"no chart preview appeared; worker output:\n{rq_worker.output_tail()}")
    assert browser.execute_script("return window.__marker;") == "kept", "the page was reloaded"
    assert browser.find_element(By.CSS_SELECTOR, "#job-status .status-badge").text == "Succeeded"
    shoot(browser, screenshot_dir, "job_page_finished")

    # The HTML view: the PDF's sections (heading, chart as SVG, the table with its cells).
    _click(browser, wait(browser).until(EC.element_to_be_clickable((By.ID, "view-report"))))
    wait(browser).until(EC.presence_of_element_located((By.ID, "report-view")))
    view = browser.find_element(By.ID, "report-view")
    assert view.find_elements(By.CSS_SELECTOR, ".chart-preview svg")
    table = view.find_element(By.CSS_SELECTOR, ".report-table table")
    assert [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")] == ["Name", "Value"]
    assert "Line 7" in table.text and "21" in table.text
    shoot(browser, screenshot_dir, "job_report_view")

    # Run again with changes: a filled form that makes a NEW job.
    browser.get(first_url)
    _click(browser, wait(browser).until(EC.element_to_be_clickable((By.ID, "run-again-with-changes"))))
    wait(browser).until(EC.presence_of_element_located((By.ID, "run-again-note")))
    assert browser.find_element(By.ID, "id_period_start").get_attribute("value") == "2026-10-01"
    assert Select(browser.find_element(By.ID, "id_department")).first_selected_option.text == "Quality"
    Select(browser.find_element(By.ID, "id_department")).select_by_visible_text("Operations")
    shoot(browser, screenshot_dir, "run_again_form")
    _submit_run_form(browser)
    try:
        wait(browser).until(EC.url_contains("/jobs/"))
    except TimeoutException:
        shoot(browser, screenshot_dir, "run_again_refused")
        pytest.fail(f"the filled form was refused: {browser.find_element(By.TAG_NAME, 'main').text}")
    assert browser.current_url != first_url
    assert ReportJob.objects.count() == 2
    assert ReportJob.objects.order_by("-id").first().parameters["department"] == "OPS"

    # Share the first report with Colin.
    browser.get(first_url)
    wait(browser).until(EC.presence_of_element_located((By.ID, "share-form")))
    browser.find_element(By.ID, "share-username").send_keys("colin")
    _click(browser, browser.find_element(By.XPATH, "//form[@id='share-form']//button[normalize-space()='Share']"))
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "share-list"), "Colin Colleague"))
    shoot(browser, screenshot_dir, "job_page_shared")
    download = browser.find_element(By.LINK_TEXT, "Download PDF").get_attribute("href")

    sign_in(browser, base, "colin")
    browser.get(first_url)
    wait(browser).until(EC.presence_of_element_located((By.ID, "shared-notice")))
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Shared with you by Olga Owner" in page
    assert "Cancel" not in page and "Share this report" not in page and "Revoke" not in page
    assert fetch_status(browser, download) == 200
    browser.get(f"{base}/")
    assert "Monthly summary" in browser.find_element(By.ID, "shared-with-me").text

    sign_in(browser, base, "trudy")
    browser.get(first_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert fetch_status(browser, first_url) == 404 and fetch_status(browser, download) == 404
    shoot(browser, screenshot_dir, "not_found")

    sign_in(browser, base, "olga")
    browser.get(first_url)
    _click(browser, wait(browser).until(EC.element_to_be_clickable(
        (By.XPATH, "//ul[@id='share-list']//button[normalize-space()='Revoke']"))))
    wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "No longer shared with"))
    assert JobShare.objects.get().revoked_at is not None

    sign_in(browser, base, "colin")
    assert fetch_status(browser, first_url) == 404 and fetch_status(browser, download) == 404


def test_job_list_filters_and_search_stay_in_the_url(live_server, browser, transactional_db, screenshot_dir):
    template = _template()
    olga = UserFactory(username="olga")
    oct_ = {"start": "2026-10-01", "end": "2026-10-31", "preset": "custom"}
    for department in ("QA", "OPS"):
        for status in (ReportJob.Status.SUCCEEDED, ReportJob.Status.FAILED):
            ReportJobFactory(template=template, requested_by=olga, status=status,
                             parameters={"period": oct_, "department": department})
    for _ in range(25):
        ReportJobFactory(template=template, requested_by=olga, parameters={"period": oct_, "department": "QA"})

    sign_in(browser, live_server.url, "olga")
    browser.get(f"{live_server.url}/jobs/")
    assert "29 jobs" in browser.find_element(By.ID, "job-count").text
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#job-table thead th")]
    assert header[:3] == ["Report", "Period", "Parameters"], header
    assert "1–31 Oct 2026" in browser.find_element(By.ID, "job-table").text

    Select(browser.find_element(By.ID, "id_status")).select_by_visible_text("Failed")
    browser.find_element(By.ID, "id_q").send_keys("OPS")
    _click(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Filter']"))
    wait(browser).until(EC.url_contains("q=OPS"))
    assert "status=failed" in browser.current_url
    assert browser.find_element(By.ID, "job-count").text == "1 job matches the filters."
    rows = browser.find_elements(By.CSS_SELECTOR, "#job-table tbody tr")
    assert len(rows) == 1 and "Operations" in rows[0].text and "Failed" in rows[0].text
    shoot(browser, screenshot_dir, "job_list_filtered")

    # The URL is the filter: opened again it shows the same; paging keeps the search.
    browser.get(f"{live_server.url}/jobs/?q=QA")
    assert browser.find_element(By.ID, "id_q").get_attribute("value") == "QA"
    assert "27 jobs match" in browser.find_element(By.ID, "job-count").text
    _click(browser, browser.find_element(By.LINK_TEXT, "Older"))
    wait(browser).until(EC.url_contains("page=2"))
    assert "q=QA" in browser.current_url
    assert len(browser.find_elements(By.CSS_SELECTOR, "#job-table tbody tr")) == 2


def test_form_errors_are_linked_to_their_fields_and_focused(live_server, browser, transactional_db):
    _template()
    UserFactory(username="olga")
    sign_in(browser, live_server.url, "olga")
    browser.get(f"{live_server.url}/reports/monthly/run/")
    Select(browser.find_element(By.ID, "id_period_preset")).select_by_visible_text("Custom range")
    _set(browser, "id_period_start", "2026-10-31")
    _set(browser, "id_period_end", "2026-10-01")
    _submit_run_form(browser)
    field = wait(browser).until(EC.presence_of_element_located((By.ID, "id_period_end")))
    described = (field.get_attribute("aria-describedby") or "").split()
    errors = [browser.find_element(By.ID, i).text for i in described if browser.find_elements(By.ID, i)]
    assert "The end date is before the start date." in errors, (described, errors)
    assert field.get_attribute("aria-invalid") == "true"
    assert browser.execute_script("return document.activeElement.id;") == "id_period_end"
    for label in browser.find_elements(By.CSS_SELECTOR, "form label[for]"):  # every label names a field
        assert browser.find_elements(By.ID, label.get_attribute("for")), label.get_attribute("for")
