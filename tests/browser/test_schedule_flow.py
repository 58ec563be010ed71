"""Schedules in a real browser: create one, preview its next 5 runs before saving, run a scheduler
tick at its due time, and find the report in a real SMTP server's mail, sent by a real worker."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from reporting.models import ReportJob, Schedule
from tests.factories import PublishedTemplateFactory, StaticSourceFactory, UserFactory, scheduled_spec
from tests.smtp_server import smtp_server  # noqa: F401  (the fixture)
from tests.workers import wait_for

pytestmark = [pytest.mark.e2e]
PAGE_WAIT_S = 15
JOB_WAIT_S = 90


def _wait(driver: WebDriver, seconds: float = PAGE_WAIT_S) -> WebDriverWait:
    return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=[WebDriverException])


def _set_value(driver: WebDriver, field_id: str, value: str) -> None:
    # <input type=time> typing depends on the browser's locale; set the value as a picker does.
    field = driver.find_element(By.ID, field_id)
    driver.execute_script("arguments[0].value = arguments[1];"
                          "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", field, value)


def _click(driver: WebDriver, element_id: str) -> None:
    button = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});  // Bootstrap scrolls smoothly", button)
    button.click()


def _type(driver: WebDriver, field_id: str, text: str) -> None:
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def test_owner_schedules_a_report_previews_it_and_receives_it_by_mail(
        live_server, browser, rq_worker, worker_env, smtp_server, screenshot_dir):  # noqa: F811
    PublishedTemplateFactory(slug="monthly", name="Monthly summary",
                             spec=scheduled_spec(source_name=StaticSourceFactory().name, title="Monthly summary"))
    UserFactory(username="olga", email="olga@example.com")

    browser.get(f"{live_server.url}/schedules/")
    _wait(browser).until(EC.url_contains("/accounts/login/"))
    _type(browser, "id_username", "olga")
    _type(browser, "id_password", "pw")
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    _wait(browser).until(EC.url_to_be(f"{live_server.url}/schedules/"))
    assert "No schedules yet." in browser.find_element(By.TAG_NAME, "main").text

    Select(browser.find_element(By.ID, "new-schedule-template")).select_by_visible_text("Monthly summary")
    browser.find_element(By.ID, "new-schedule").click()
    _wait(browser).until(EC.url_contains("/schedules/new/monthly/"))

    _type(browser, "id_name", "Daily to the boss")
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("daily")
    assert not browser.find_element(By.ID, "id_cron").is_displayed()  # only the chosen kind's fields show
    _set_value(browser, "id_time_of_day", "08:00")
    _type(browser, "id_timezone", "America/New_York")
    browser.find_element(By.ID, "id_timezone").send_keys(Keys.ESCAPE)  # close the zone suggestions
    _type(browser, "id_recipients", "boss@example.com")
    Select(browser.find_element(By.ID, "id_p-department")).select_by_visible_text("Operations")
    assert Select(browser.find_element(By.ID, "id_p-period_preset")).first_selected_option.text == "Last month"

    _click(browser, "preview-button")
    runs = _wait(browser).until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, "#preview-runs li")))
    texts = [run.text for run in runs]
    assert len(texts) == 5 and all("08:00 E" in t and "UTC" in t for t in texts), texts  # EST/EDT, and UTC
    assert not Schedule.objects.exists()  # a preview saves nothing
    browser.save_screenshot(str(screenshot_dir / "schedule_preview.png"))

    _click(browser, "save-button")
    _wait(browser).until(EC.presence_of_element_located((By.ID, "upcoming-runs")))
    schedule = Schedule.objects.get()
    assert browser.find_elements(By.CSS_SELECTOR, "#upcoming-runs li")[0].text == texts[0]
    assert (schedule.owner.username, schedule.recipients, schedule.parameters["department"]) == (
        "olga", ["boss@example.com"], "OPS")

    due = schedule.next_run_at
    out = StringIO()
    call_command("schedules", "tick", "--at", due.isoformat(), "--allow-future", stdout=out)  # due is ahead
    assert "1 job(s) created" in out.getvalue(), out.getvalue()
    job = ReportJob.objects.get()

    worker_env.update(smtp_server.worker_env(worker_env))  # the worker sends to this test's SMTP server
    rq_worker.start()
    wait_for(lambda: ReportJob.objects.get(pk=job.pk).is_final, timeout=JOB_WAIT_S,
             what=f"the scheduled job to finish; worker output:\n{rq_worker.output_tail()}")
    job.refresh_from_db()
    assert job.status == ReportJob.Status.SUCCEEDED, f"{job.error_message}\n{rq_worker.output_tail()}"
    [mail] = smtp_server.wait_for(1, timeout=30)
    assert mail.rcpt_tos == ["boss@example.com"]
    assert "Monthly summary" in mail.subject
    assert any(name.endswith(".pdf") for name in mail.attachments), list(mail.attachments)

    browser.get(f"{live_server.url}/jobs/{job.public_id}/")
    assert "From schedule “Daily to the boss”" in _wait(browser).until(
        EC.presence_of_element_located((By.ID, "job-schedule"))).text
    browser.save_screenshot(str(screenshot_dir / "scheduled_job.png"))
