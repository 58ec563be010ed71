"""What the web app keeps beside a job: read-only shares, favourite parameter sets, and the
report as the HTML view shows it.

Kept apart from reporting/models.py (imported at its end); the app label is still ``reporting``.
"""
from django.conf import settings
from django.db import models


# A share shows the finished report: only jobs that produced one can be shared (or read through a share).
SHAREABLE_JOB_STATUSES = ("succeeded", "partial")


class JobShare(models.Model):
    """A finished job shown read-only (view and download) to one user or to one group's members.

    Checked on every access (reporting/selectors.py job_get_for_user): revoking it, or removing
    the person from the group, ends it at once. A share never lets anyone act on the job.
    """

    job = models.ForeignKey("reporting.ReportJob", on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="job_shares")
    group = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="job_shares")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        app_label = "reporting"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False, group__isnull=True)
                           | models.Q(user__isnull=True, group__isnull=False)),
                name="jobshare_user_xor_group"),
        ]

    def __str__(self) -> str:
        return f"{self.job.public_id} shared with {self.target_name}"

    @property
    def target_name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return f"group {self.group.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class FavouriteRun(models.Model):
    """A saved parameter set of a template, run from the home page in one click."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourite_runs")
    template = models.ForeignKey("templates_app.ReportTemplate", on_delete=models.CASCADE,
                                 related_name="favourite_runs")
    name = models.CharField(max_length=120)
    parameters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "reporting"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="favouriterun_unique_name")]

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"


class JobReportView(models.Model):
    """The report's sections ready for the HTML view (reporting/pipeline/rendering/html_view.py):
    display text only (numbers already formatted as the PDF prints them, SVG already sanitised),
    written with the files in the store stage, so the page never re-runs the pipeline."""

    job = models.OneToOneField("reporting.ReportJob", on_delete=models.CASCADE, related_name="report_view")
    sections = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "reporting"

    def __str__(self) -> str:
        return f"{self.job.public_id} HTML view"
