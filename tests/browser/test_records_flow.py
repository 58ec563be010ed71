"""Controlled records in a real browser (issue 17): an approver signs a report with a wrong, then the right
password; the job page shows the approval and the run manifest; a staff user verifies the signed copy."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from reporting.models import AuditEvent, ReportApproval
from reporting.services import job_create, job_run
from tests.browser.web_helpers import shoot, sign_in, wait
from tests.factories import StaticSourceFactory, UserFactory, published_template, small_spec

pytestmark = [pytest.mark.e2e]


def _submit(driver, selector: str) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    button = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
    button.click()
    wait(driver).until(EC.staleness_of(old))


def test_sign_a_report_then_verify_the_signed_copy(live_server, browser, screenshot_dir, tmp_path):
    owner = UserFactory(username="olga")
    approver = UserFactory(username="quinn", first_name="Quinn", last_name="Approver", is_staff=True)
    approver.user_permissions.add(*Permission.objects.filter(codename__in=["approve_reports", "view_reportjob"]))
    template = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="signed")
    job = job_run(job=job_create(template=template, user=owner, parameters={"note": "x"}))
    assert job.status == "succeeded", job.error_message
    base = live_server.url

    sign_in(browser, base, "quinn")
    browser.get(f"{base}/jobs/{job.public_id}/")
    assert "Report record (run manifest)" in browser.page_source
    _submit(browser, "#approve-link")
    browser.find_element(By.CSS_SELECTOR, "input[name=meaning][value=approved]").click()
    browser.find_element(By.ID, "id_comment").send_keys("Checked.")
    browser.find_element(By.ID, "id_password").send_keys("wrong")
    _submit(browser, "#approve-form button[type=submit]")
    assert "The password is not correct: nothing was signed." in browser.find_element(By.ID, "approve-errors").text
    assert not ReportApproval.objects.exists()

    browser.find_element(By.CSS_SELECTOR, "input[name=meaning][value=approved]").click()
    browser.find_element(By.ID, "id_password").send_keys("pw")
    _submit(browser, "#approve-form button[type=submit]")
    approvals = browser.find_element(By.ID, "job-approvals").text
    assert "Approved by Quinn Approver" in approvals and "Checked." in approvals
    shoot(browser, screenshot_dir, "records-job-page")
    assert [e.outcome for e in AuditEvent.objects.filter(action="approval").order_by("id")] == ["failure", "success"]

    approved = tmp_path / "approved.pdf"
    approved.write_bytes(ReportApproval.objects.get().file.open("rb").read())
    browser.get(f"{base}/records/verify/")
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(approved))
    _submit(browser, "form[enctype] button[type=submit]")
    result = browser.find_element(By.ID, "verify-result").text
    assert "approved.pdf: verified" in result and str(job.public_id) in result
    shoot(browser, screenshot_dir, "records-verify")
