"""A schedule's delivery condition decides whether its finished report is emailed, and says why not."""
from datetime import UTC, datetime

import pytest

from reporting.models import EmailDelivery, Schedule, ScheduleRun
from reporting.services.delivery_policy import delivery_wanted
from tests.factories import ReportJobFactory, ScheduleFactory

pytestmark = pytest.mark.django_db


def scheduled_job(schedule, *, burst_value="", delivered=False, **fields):
    job = ReportJobFactory(template=schedule.template, schedule=schedule, **fields)
    ScheduleRun.objects.create(schedule=schedule, due_at=datetime(2026, 1, 1, tzinfo=UTC).replace(
        minute=ScheduleRun.objects.count()), burst_value=burst_value, outcome=ScheduleRun.Outcome.CREATED, job=job)
    if delivered:
        EmailDelivery.objects.create(job=job, recipient="boss@example.com", status=EmailDelivery.Status.SENT)
    return job


def test_jobs_without_a_schedule_and_always_schedules_are_sent():
    assert delivery_wanted(job=ReportJobFactory()) == (True, "")
    schedule = ScheduleFactory(condition=Schedule.Condition.ALWAYS)
    assert delivery_wanted(job=scheduled_job(schedule, worst_status="good")) == (True, "")


@pytest.mark.parametrize("worst, wanted", [
    ("excellent", False), ("good", False), ("warning", True), ("critical", True),
    ("", True),  # no scores at all is not "all good": sent, never silently held back
])
def test_not_all_good_sends_only_when_something_needs_attention(worst, wanted):
    schedule = ScheduleFactory(name="Monthly to management", condition=Schedule.Condition.NOT_ALL_GOOD)
    send, reason = delivery_wanted(job=scheduled_job(schedule, worst_status=worst))
    assert send is wanted
    if not wanted:
        assert reason == ("every score is good or better (schedule 'Monthly to management' sends "
                          "only when something needs attention).")


def test_data_changed_compares_with_the_last_delivered_run_of_the_same_burst_value():
    schedule = ScheduleFactory(name="Weekly", condition=Schedule.Condition.DATA_CHANGED)
    first = scheduled_job(schedule, data_sha256="a" * 64)
    assert delivery_wanted(job=first) == (True, "")  # nothing delivered before
    EmailDelivery.objects.create(job=first, recipient="boss@example.com", status=EmailDelivery.Status.SENT)
    same = scheduled_job(schedule, data_sha256="a" * 64)
    send, reason = delivery_wanted(job=same)
    assert not send and reason.startswith("the data is the same as in the report emailed on ")
    assert "(schedule 'Weekly' sends only when the data changed)" in reason
    assert delivery_wanted(job=scheduled_job(schedule, data_sha256="b" * 64)) == (True, "")


def test_data_changed_ignores_runs_that_were_not_delivered_and_other_burst_values():
    schedule = ScheduleFactory(condition=Schedule.Condition.DATA_CHANGED, burst_parameter="department")
    scheduled_job(schedule, burst_value="OPS", data_sha256="a" * 64, delivered=True)
    failed_delivery = scheduled_job(schedule, burst_value="QA", data_sha256="a" * 64)
    EmailDelivery.objects.create(job=failed_delivery, recipient="x@example.com", status=EmailDelivery.Status.FAILED)
    # QA's report was never delivered, and OPS's delivery is another value's: QA is sent.
    assert delivery_wanted(job=scheduled_job(schedule, burst_value="QA", data_sha256="a" * 64)) == (True, "")


def test_data_changed_sends_a_report_without_a_data_hash():
    schedule = ScheduleFactory(condition=Schedule.Condition.DATA_CHANGED)
    scheduled_job(schedule, data_sha256="", delivered=True)
    assert delivery_wanted(job=scheduled_job(schedule, data_sha256="")) == (True, "")


@pytest.mark.parametrize("fields", [
    {"status": "partial", "missing_sources": ["erp"]},
    {"status": "succeeded", "missing_sources": ["erp"]},
    {"status": "succeeded", "headline": [{"name": "Overall", "value": 91.0, "status": "good"},
                                         {"name": "Complaints", "value": None, "status": None}]},
])
def test_not_all_good_sends_a_report_with_missing_data_even_when_the_scores_present_are_good(fields):
    # Missing data is not "good": the scores that are there may all be good, but someone must look.
    schedule = ScheduleFactory(condition=Schedule.Condition.NOT_ALL_GOOD)
    assert delivery_wanted(job=scheduled_job(schedule, worst_status="good", **fields)) == (True, "")


def test_not_all_good_holds_back_a_complete_report_whose_scores_are_all_good():
    schedule = ScheduleFactory(condition=Schedule.Condition.NOT_ALL_GOOD)
    job = scheduled_job(schedule, worst_status="excellent", status="succeeded", missing_sources=[],
                        headline=[{"name": "Overall", "value": 91.0, "status": "excellent"}])
    assert delivery_wanted(job=job)[0] is False
