import datetime
import hashlib
import uuid

from django.conf import settings
from django.db import models

from reporting.model_storage import artifact_storage


def artifact_upload_to(instance: "ReportArtifact", filename: str) -> str:
    return f"jobs/{instance.job.public_id}/{filename}"


class ReportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partial (some data missing)"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Priority(models.TextChoices):
        HIGH = "high", "High"
        DEFAULT = "default", "Normal"
        LOW = "low", "Low"

    class Origin(models.TextChoices):
        WEB = "web", "Web"
        CLI = "cli", "Command line"
        SCHEDULE = "schedule", "Schedule"

    class Stage(models.TextChoices):
        """The stages a run goes through, in order; labels are what people read on the job page."""

        VALIDATE = "validate", "Validate parameters"
        AGGREGATE = "aggregate", "Collect data"
        PROCESS = "process", "Apply QMS rules"
        RENDER_PDF = "render_pdf", "Render PDF"
        RENDER_XLSX = "render_xlsx", "Render workbook"
        STORE = "store", "Store files"
        DELIVER = "deliver", "Deliver"
        DONE = "done", "Done"

    FINAL_STATUSES = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.CANCELLED)
    ACTIVE_STATUSES = (Status.PENDING, Status.QUEUED, Status.RUNNING)
    # Progress (percent) once a stage has finished.
    PROGRESS_AFTER = {
        Stage.VALIDATE: 5, Stage.AGGREGATE: 40, Stage.PROCESS: 50, Stage.RENDER_PDF: 75, Stage.RENDER_XLSX: 90,
        Stage.STORE: 97, Stage.DELIVER: 100, Stage.DONE: 100,
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    template = models.ForeignKey("templates_app.ReportTemplate", on_delete=models.PROTECT, related_name="jobs")
    template_version = models.ForeignKey(
        "templates_app.TemplateVersion", on_delete=models.PROTECT, related_name="jobs",
    )
    parameters = models.JSONField(default=dict, blank=True)
    formats = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="report_jobs",
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.WEB)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.DEFAULT)
    use_cache = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    stage = models.CharField(max_length=32, blank=True, choices=Stage.choices)
    progress = models.PositiveSmallIntegerField(default=0)
    stage_timings = models.JSONField(default=dict, blank=True)
    source_stats = models.JSONField(default=dict, blank=True)
    missing_sources = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # SVG previews of the report's charts for the job page: [{"title", "svg"} | {"title", "note"}].
    chart_previews = models.JSONField(default=list, blank=True)
    # What the report says at a glance (recorded after the process stage; read by email and schedules):
    # the headline KPI rows, the worst KPI status of the report and a hash of the processed data.
    headline = models.JSONField(default=list, blank=True)
    worst_status = models.CharField(max_length=10, blank=True)
    data_sha256 = models.CharField(max_length=64, blank=True)
    # Why the report was not emailed (policy, schedule condition), for the job page; "" when it was.
    delivery_note = models.TextField(blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    rq_job_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A scheduled run: its schedule and the due time it was made for (reporting/services/schedule_tick.py).
    schedule = models.ForeignKey("reporting.Schedule", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="jobs")
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # The run's record (reporting/services/job_manifest.py): template version and spec hash, resolved
    # parameters, each source's fetch, software versions and the stored files' sha256.
    manifest = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_at_most_100"),
        ]
        # django-rq's dashboard (/admin/rq/) can empty queues: not for every staff user.
        permissions = [("manage_queues", "Can manage the RQ queues")]

    def __str__(self) -> str:
        return f"{self.template.slug} {self.public_id}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @classmethod
    def stage_label(cls, stage: str) -> str:
        try:
            return cls.Stage(stage).label
        except ValueError:
            return stage.replace("_", " ").capitalize()

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ReportArtifact(models.Model):
    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel workbook"

    job = models.ForeignKey(ReportJob, on_delete=models.CASCADE, related_name="artifacts")
    format = models.CharField(max_length=10, choices=Format.choices)
    file = models.FileField(storage=artifact_storage, upload_to=artifact_upload_to, max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["format"]
        constraints = [models.UniqueConstraint(fields=["job", "format"], name="one_artifact_per_job_format")]

    def __str__(self) -> str:
        return f"{self.job.public_id}.{self.format}"


class EmailDelivery(models.Model):
    """One job's report to one recipient: the ledger that makes delivery visible and idempotent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        # Claimed by a run that is talking to the SMTP server now: no other run may send it.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    job = models.ForeignKey(ReportJob, on_delete=models.CASCADE, related_name="email_deliveries")
    recipient = models.EmailField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The server refused this recipient for good (SMTP 5xx): a later retry leaves the row alone.
    failed_permanently = models.BooleanField(default=False)
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # job public_id + lower-cased recipient: a re-run delivery finds the row instead of mailing twice.
    idempotency_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job", "recipient"]
        verbose_name_plural = "email deliveries"

    def __str__(self) -> str:
        return f"{self.job.public_id} → {self.recipient} ({self.status})"

    @staticmethod
    def key_for(*, job_public_id, recipient: str) -> str:
        return hashlib.sha256(f"{job_public_id}:{recipient.strip().lower()}".encode()).hexdigest()

    def save(self, *args, **kwargs):
        if not self.idempotency_key:
            self.idempotency_key = self.key_for(job_public_id=self.job.public_id, recipient=self.recipient)
        super().save(*args, **kwargs)


class Schedule(models.Model):
    """A report that runs by itself: a template, its parameters and when (see reporting/scheduling)."""

    class Kind(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly on chosen days"
        MONTHLY = "monthly", "Monthly on a day"
        CRON = "cron", "Cron expression"

    class Condition(models.TextChoices):
        ALWAYS = "always", "Always"
        NOT_ALL_GOOD = "not_all_good", "Only when something needs attention (not every score good or better)"
        DATA_CHANGED = "data_changed", "Only when the data changed since the last emailed report"

    name = models.CharField(max_length=200)
    template = models.ForeignKey("templates_app.ReportTemplate", on_delete=models.PROTECT, related_name="schedules")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_schedules")
    # The run form's values; a date range keeps its preset ("last_month"), resolved at each run in
    # the schedule's zone. Email recipients are not here but in `recipients`.
    parameters = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MONTHLY)
    time_of_day = models.TimeField(default=datetime.time(8, 0))
    weekdays = models.JSONField(default=list, blank=True)  # 0 = Monday ... 6 = Sunday
    month_day = models.CharField(max_length=4, default="1", help_text="1 to 31, or 'last'.")
    cron = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    formats = models.JSONField(default=list, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    condition = models.CharField(max_length=20, choices=Condition.choices, default=Condition.ALWAYS)
    # Fan out over one choice parameter: one job per value, each to burst_recipients[value] or else
    # to `recipients`.
    burst_parameter = models.CharField(max_length=100, blank=True)
    burst_recipients = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    paused_reason = models.TextField(blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(ReportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ScheduleRun(models.Model):
    """One due time of a schedule, claimed exactly once: the unique constraint is the claim."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Job created"
        SKIPPED_MISFIRE = "skipped_misfire", "Skipped (missed while no scheduler ran)"
        FAILED = "failed", "Not run"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="runs")
    due_at = models.DateTimeField()
    burst_value = models.CharField(max_length=200, blank=True, default="")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # A misfire row stands for this many missed due times (from due_at to missed_until).
    skipped_count = models.PositiveIntegerField(default=0)
    missed_until = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)
    job = models.ForeignKey(ReportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="schedule_runs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at", "burst_value"]
        constraints = [models.UniqueConstraint(fields=["schedule", "due_at", "burst_value"],
                                               name="one_run_per_schedule_due_time")]

    def __str__(self) -> str:
        return f"{self.schedule} @ {self.due_at:%Y-%m-%d %H:%M}Z {self.burst_value}".rstrip()


# The audit trail and electronic signatures (reporting/record_models.py).
from reporting.record_models import (  # noqa: E402,F401
    AuditEvent,
    AuditEventQuerySet,
    AuditImmutable,
    ReportApproval,
    approval_upload_to,
)
# Pre-aggregated /metrics figures (reporting/metric_models.py).
from reporting.metric_models import MetricTotal  # noqa: E402,F401
# Shares, favourite runs and the stored HTML view (reporting/web_models.py).
from reporting.web_models import FavouriteRun, JobReportView, JobShare  # noqa: E402,F401
