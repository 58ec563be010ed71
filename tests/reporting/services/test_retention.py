"""Retention deletes old finished jobs and their files, never a running job or a schedule's last report."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reporting.models import ReportArtifact, ReportJob
from reporting.services import retention
from tests.factories import ReportArtifactFactory, ReportJobFactory, ScheduleFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the files go on commit
Status = ReportJob.Status


def _job(status, *, days_ago: float, with_file=True, **fields):
    when = timezone.now() - timedelta(days=days_ago)
    job = ReportJobFactory(status=status, finished_at=when if status in ReportJob.FINAL_STATUSES else None,
                           started_at=when, **fields)
    ReportJob.objects.filter(pk=job.pk).update(created_at=when)
    artifact = ReportArtifactFactory(job=job) if with_file else None
    return job, artifact


def _exists(artifact) -> bool:
    return artifact.file.storage.exists(artifact.file.name)


@pytest.fixture
def history():
    old_done, old_file = _job(Status.SUCCEEDED, days_ago=40)
    old_failed, _ = _job(Status.FAILED, days_ago=31, with_file=False)
    recent, recent_file = _job(Status.SUCCEEDED, days_ago=5)
    # Started 40 days ago and still running (a stuck or very long job): never the clean-up's business.
    running, running_file = _job(Status.RUNNING, days_ago=40)
    queued, _ = _job(Status.QUEUED, days_ago=40, with_file=False)
    held, held_file = _job(Status.SUCCEEDED, days_ago=90)
    ScheduleFactory(template=held.template, last_job=held)
    return {"old_done": (old_done, old_file), "old_failed": (old_failed, None), "recent": (recent, recent_file),
            "running": (running, running_file), "queued": (queued, None), "held": (held, held_file)}


def test_old_finished_jobs_and_their_files_go_the_rest_stays(history, settings):
    settings.REPORTING_RETENTION_DAYS = 30
    result = retention.retention_purge()
    assert sorted(item.public_id for item in result.jobs) == sorted(
        str(history[k][0].public_id) for k in ("old_done", "old_failed"))
    remaining = set(ReportJob.objects.values_list("public_id", flat=True))
    assert remaining == {history[k][0].public_id for k in ("recent", "running", "queued", "held")}
    assert not _exists(history["old_done"][1])
    for key in ("recent", "running", "held"):
        assert _exists(history[key][1]), key
    assert ReportArtifact.objects.filter(job__public_id=history["held"][0].public_id).exists()


def test_dry_run_prints_what_it_would_delete_and_deletes_nothing(history, settings, capsys):
    settings.REPORTING_RETENTION_DAYS = 30
    call_command("purge_reports", "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith("Would delete 2 job(s) and 1 file(s) finished before")
    assert str(history["old_done"][0].public_id) in out and history["old_done"][1].file.name in out
    for key in ("recent", "running", "queued", "held"):
        assert str(history[key][0].public_id) not in out
    assert ReportJob.objects.count() == 6 and _exists(history["old_done"][1])


def test_a_job_run_again_after_the_selection_is_left_alone(history, settings):
    """The clean-up chose the failed job; the owner clicked "Run again" before it got there."""
    job, _ = history["old_failed"]
    cutoff = timezone.now() - timedelta(days=30)
    assert retention.retention_candidates(cutoff=cutoff).filter(pk=job.pk).exists()
    ReportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED, finished_at=None)
    assert retention._purge_one(job_pk=job.pk, cutoff=cutoff) is False
    assert ReportJob.objects.filter(pk=job.pk, status=Status.QUEUED).exists()


def test_the_audit_trail_outlives_a_deleted_job(history, settings):
    from reporting.models import AuditEvent
    from reporting.services.audit import audit_record

    settings.REPORTING_RETENTION_DAYS = 30
    job, artifact = history["old_done"]
    audit_record(action="download", job=job)
    result = retention.retention_purge()
    assert str(job.public_id) in [i.public_id for i in result.jobs]
    assert not ReportJob.objects.filter(pk=job.pk).exists() and not _exists(artifact)
    assert AuditEvent.objects.filter(job_ref=str(job.public_id), action="download").exists()


def test_retention_off_is_refused_with_the_reason(settings):
    settings.REPORTING_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match="Retention is off: set REPORTING_RETENTION_DAYS or pass --days"):
        call_command("purge_reports")


def test_the_cron_job_runs_the_clean_up(history, settings):
    from reporting import jobs

    settings.REPORTING_RETENTION_DAYS = 0
    assert jobs.run_retention_purge().startswith("retention off;")
    settings.REPORTING_RETENTION_DAYS = 30
    assert jobs.run_retention_purge().startswith("2 job(s), 1 file(s) deleted;")


def test_the_last_emailed_job_of_a_data_changed_schedule_is_kept_per_burst_value(settings):
    """A: 60 days, emailed; B: 40 days, not emailed (= last_job); C: new. The purge must keep A, or
    C's "data changed?" finds nothing to compare with and mails unchanged data again."""
    from reporting.models import EmailDelivery, Schedule
    from reporting.services.delivery_policy import last_delivered_job
    from tests.factories import EmailDeliveryFactory, ScheduleRunFactory

    schedule = ScheduleFactory(condition=Schedule.Condition.DATA_CHANGED)
    jobs = {}
    # Created oldest first, as real runs are (last_delivered_job goes by pk).
    for name, days, burst, emailed in [("older", 80, "QA", True), ("A_other", 70, "HR", True),
                                       ("A", 60, "QA", True), ("B", 40, "QA", False), ("C", 0, "QA", False)]:
        job, _ = _job(Status.SUCCEEDED, days_ago=days, template=schedule.template, schedule=schedule,
                      data_sha256="same")
        ScheduleRunFactory(schedule=schedule, job=job, burst_value=burst,
                           due_at=timezone.now() - timedelta(days=days))
        if emailed:
            EmailDeliveryFactory(job=job, status=EmailDelivery.Status.SENT)
        jobs[name] = job
    Schedule.objects.filter(pk=schedule.pk).update(last_job=jobs["B"])

    result = retention.retention_purge(days=30)

    deleted = {item.public_id for item in result.jobs}
    assert deleted == {str(jobs["older"].public_id)}
    assert last_delivered_job(job=jobs["C"]) == jobs["A"]
    assert ReportJob.objects.filter(pk=jobs["A_other"].pk).exists()  # the newest emailed of burst value HR
