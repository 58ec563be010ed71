"""The demo flow in a real browser: sign in, fill the generated form, watch the job page update
itself (htmx polling) while a real RQ worker runs the job, and download the PDF through the
browser's own session."""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from reporting.models import ReportJob
from demo.loader import demo_seed

pytestmark = [pytest.mark.e2e]

PAGE_WAIT_S = 15
JOB_WAIT_S = 90
FINAL_STATUSES = {"Succeeded", "Partial (some data missing)", "Failed", "Cancelled"}

# Reads a same-origin URL with the page's cookies; returns status, headers and the body as base64.
FETCH_SCRIPT = """
const [href, done] = arguments;
fetch(href, {credentials: "same-origin"}).then(async (response) => {
  const bytes = new Uint8Array(await response.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  done({status: response.status, contentType: response.headers.get("Content-Type"),
        disposition: response.headers.get("Content-Disposition"), body: btoa(binary)});
}).catch((error) => done({error: String(error)}));
"""


@dataclass(frozen=True)
class Download:
    status: int
    content_type: str
    disposition: str
    body: bytes


def _wait(driver: WebDriver, seconds: float = PAGE_WAIT_S) -> WebDriverWait:
    # While htmx swaps the status block, chromedriver answers a lookup of the old node with a stale
    # element or with "Node with given id does not belong to the document": both mean "look again".
    return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=[WebDriverException])


def _sign_in(driver: WebDriver, base_url: str, *, username: str, password: str) -> None:
    driver.get(f"{base_url}/reports/")
    _wait(driver).until(EC.url_contains("/accounts/login/"))
    assert "next=/reports/" in driver.current_url, driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, "h1").text == "Sign in"
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    _wait(driver).until(EC.url_to_be(f"{base_url}/reports/"))


def _open_report_form(driver: WebDriver, report_name: str) -> None:
    card = driver.find_element(By.XPATH, f"//div[contains(@class,'card')][.//h2[normalize-space()='{report_name}']]")
    card.find_element(By.LINK_TEXT, "Run report").click()
    _wait(driver).until(EC.visibility_of_element_located((By.ID, "id_period_preset")))


def _label_of(driver: WebDriver, field_id: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"label[for='{field_id}']").text.rstrip("*").strip()


def _set_date(driver: WebDriver, field_id: str, iso_date: str) -> None:
    # Typing into <input type=date> depends on the browser's locale; set the value as a date picker does.
    field = driver.find_element(By.ID, field_id)
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", field, iso_date)
    assert field.get_attribute("value") == iso_date


def _fill_custom_period(driver: WebDriver, *, start: str, end: str) -> None:
    Select(driver.find_element(By.ID, "id_period_preset")).select_by_visible_text("Custom range")
    _set_date(driver, "id_period_start", start)
    _set_date(driver, "id_period_end", end)


def _submit(driver: WebDriver) -> None:
    """Submit the run form and wait until the browser has left the page it was on."""
    old_page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit][value='Generate report']").click()
    _wait(driver).until(_has_left(old_page))


def _has_left(old_page):
    """EC.staleness_of, but also for chromedriver's other answer about a node of a page that is gone
    ("Node with given id does not belong to the document"), which it gives in a race."""
    def check(driver: WebDriver) -> bool:
        try:
            old_page.is_enabled()
        except WebDriverException:  # a StaleElementReferenceException is one too
            return True
        return False
    return check


def _badge_text(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "#job-status .status-badge").text.strip()


def _fetch(driver: WebDriver, href: str) -> Download:
    driver.set_script_timeout(30)
    result = driver.execute_async_script(FETCH_SCRIPT, href)
    assert "error" not in result, result
    return Download(status=result["status"], content_type=result["contentType"] or "",
                    disposition=result["disposition"] or "", body=base64.b64decode(result["body"]))


def test_viewer_generates_monthly_report_and_watches_it_finish(
        live_server, browser, rq_worker, screenshot_dir):
    demo_seed(base_url=live_server.url)  # the demo sources call the app's own demo API over HTTP

    _sign_in(browser, live_server.url, username="viewer", password="viewer-password")
    assert "Monthly quality report" in browser.find_element(By.TAG_NAME, "main").text
    _open_report_form(browser, "Monthly quality report")

    assert _label_of(browser, "id_period_preset") == "Period"
    assert _label_of(browser, "id_department") == "Department"
    preset = Select(browser.find_element(By.ID, "id_period_preset"))
    preset_options = [o.text for o in preset.options]
    assert "Custom range" in preset_options and "Last month" in preset_options, preset_options
    assert Select(browser.find_element(By.ID, "id_department")).first_selected_option.text == "All"
    # The From/To dates only matter for a custom range: hidden for the default preset, shown for custom.
    assert preset.first_selected_option.text == "Last month"
    assert not browser.find_element(By.ID, "id_period_start").is_displayed()
    preset.select_by_visible_text("Custom range")
    assert browser.find_element(By.ID, "id_period_start").is_displayed()
    assert _label_of(browser, "id_period_start") == "From"
    assert _label_of(browser, "id_period_end") == "To"

    _fill_custom_period(browser, start="2026-10-01", end="2026-10-31")
    _submit(browser)

    _wait(browser).until(EC.url_contains("/jobs/"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Monthly quality report"
    job = ReportJob.objects.get()
    assert job.parameters["period"] == {"start": "2026-10-01", "end": "2026-10-31", "preset": "custom"}
    first_status = _badge_text(browser)
    assert first_status == "Queued", first_status  # no worker yet: the page must show the waiting job

    # From here on the page must update itself: a reload would lose this marker.
    browser.execute_script("window.__pageMarker = 'job-page-loaded';")
    rq_worker.start()

    seen: list[str] = []

    def final_status(driver: WebDriver) -> str | None:
        status = _badge_text(driver)
        if not seen or seen[-1] != status:
            seen.append(status)
        return status if status in FINAL_STATUSES else None

    try:
        status = _wait(browser, JOB_WAIT_S).until(final_status)
    except TimeoutException:
        pytest.fail(f"the job page never showed a final status (seen: {seen}); worker output:\n"
                    f"{rq_worker.output_tail()}")
    job.refresh_from_db()
    assert status == "Succeeded", f"{status}: {job.error_message}\nworker output:\n{rq_worker.output_tail()}"
    assert browser.execute_script("return window.__pageMarker;") == "job-page-loaded", "the job page was reloaded"
    assert seen[0] == "Queued" and seen[-1] == "Succeeded", seen

    status_box = browser.find_element(By.ID, "job-status")
    assert status_box.get_attribute("hx-trigger") is None, "the page keeps polling a finished job"
    assert status_box.find_element(By.CSS_SELECTOR, ".progress-bar").text == "100%"
    pdf_button = _wait(browser).until(EC.visibility_of_element_located((By.LINK_TEXT, "Download PDF")))
    xlsx_button = browser.find_element(By.LINK_TEXT, "Download XLSX")
    assert xlsx_button.is_displayed()
    stage_table = status_box.find_element(By.XPATH, ".//h2[normalize-space()='Stage timings']/..").text
    assert "Collect data" in stage_table and "Render PDF" in stage_table and "Store files" in stage_table, stage_table
    sources_table = status_box.find_element(By.XPATH, ".//h2[normalize-space()='Data sources']/..").text
    assert "quality_metrics" in sources_table, sources_table

    browser.save_screenshot(str(screenshot_dir / "job_page.png"))

    pdf = _fetch(browser, pdf_button.get_attribute("href"))
    assert pdf.status == 200, pdf
    assert pdf.content_type == "application/pdf"
    assert pdf.disposition.startswith("attachment") and ".pdf" in pdf.disposition, pdf.disposition
    assert pdf.body.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.body))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Monthly quality report" in text
    assert "1 Oct 2026" in text and "31 Oct 2026" in text

    xlsx = _fetch(browser, xlsx_button.get_attribute("href"))
    assert xlsx.status == 200
    assert load_workbook(io.BytesIO(xlsx.body)).sheetnames[0] == "Summary"


def test_reversed_custom_range_is_refused_next_to_the_field(live_server, browser, transactional_db, screenshot_dir):
    demo_seed(base_url=live_server.url)
    _sign_in(browser, live_server.url, username="viewer", password="viewer-password")
    _open_report_form(browser, "Monthly quality report")
    form_url = browser.current_url

    _fill_custom_period(browser, start="2026-10-31", end="2026-10-01")
    _submit(browser)

    end_field_box = _wait(browser).until(EC.visibility_of_element_located((By.ID, "div_id_period_end")))
    assert browser.current_url == form_url
    error = end_field_box.find_element(By.CSS_SELECTOR, ".invalid-feedback")
    assert error.is_displayed()
    assert error.text == "The end date is before the start date."
    assert "is-invalid" in browser.find_element(By.ID, "id_period_end").get_attribute("class")
    # What the person typed is kept, so they only fix the wrong date.
    assert browser.find_element(By.ID, "id_period_start").get_attribute("value") == "2026-10-31"
    assert Select(browser.find_element(By.ID, "id_period_preset")).first_selected_option.text == "Custom range"
    assert ReportJob.objects.count() == 0
    browser.save_screenshot(str(screenshot_dir / "run_form_error.png"))
