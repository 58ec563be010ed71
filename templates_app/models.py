from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from .source_checks import model_source_problems
from .spec import ReportSpec, parse_spec


class DataSource(models.Model):
    class Kind(models.TextChoices):
        HTTP = "http", "HTTP JSON"
        SQL = "sql", "Read-only SQL"
        STATIC = "static", "Static JSON"

    class Method(models.TextChoices):
        GET = "GET", "GET"
        POST = "POST", "POST"

    name = models.SlugField(max_length=80, unique=True, help_text="Referenced by templates as \"source\".")
    description = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HTTP)
    is_active = models.BooleanField(default=True)
    # http
    base_url = models.URLField(blank=True)
    endpoint = models.CharField(max_length=255, blank=True)
    method = models.CharField(max_length=4, choices=Method.choices, default=Method.GET)
    query_params = models.JSONField(default=dict, blank=True)
    body = models.JSONField(null=True, blank=True)
    headers = models.JSONField(
        default=dict, blank=True,
        help_text="Secret values must reference the environment, e.g. \"Bearer ${env:ANALYTICS_TOKEN}\".",
    )
    response_path = models.CharField(max_length=255, blank=True, help_text="Dotted path into the response.")
    connect_timeout_s = models.FloatField(default=3.0)
    read_timeout_s = models.FloatField(default=10.0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    cache_ttl_s = models.PositiveIntegerField(default=300, help_text="0 = never cache.")
    # sql
    database_alias = models.CharField(
        "analytics connection", max_length=64, default="", blank=True,
        help_text="Name of a read-only analytics connection configured as REPORTING_SQL_DB_<NAME> in the "
                  "environment (never the application's own database).",
    )
    sql = models.TextField(blank=True)
    row_limit = models.PositiveIntegerField(default=10000)
    # static
    static_data = models.JSONField(null=True, blank=True)
    # Bumped on every save: part of the cache key, so a changed source never serves stale data.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors: dict[str, list[ValidationError]] = {}
        for problem in model_source_problems(self):
            errors.setdefault(problem.field, []).append(ValidationError(problem.message, code=problem.code))
        if errors:
            raise ValidationError(errors)


class ReportTemplate(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    published_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    allowed_groups = models.ManyToManyField(
        Group, blank=True, help_text="Empty: every signed-in user may run it.",
    )
    job_timeout_s = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    template = models.ForeignKey(ReportTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    sample_data = models.JSONField(default=dict, blank=True, help_text="Sample payload per source name.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    change_note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_template_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.template.slug} v{self.number}"

    @property
    def title(self) -> str:
        return self.spec.get("title") or self.template.name

    @cached_property
    def parsed(self) -> ReportSpec:
        """The spec as typed objects, parsed once per instance (SpecInvalid for a spec that never passed
        validation, such as a draft). Saving drops it, so a draft edited in place is parsed again."""
        return parse_spec(self.spec)

    def save(self, *args, **kwargs):
        self.__dict__.pop("parsed", None)
        # A version that a job ran is evidence: its spec must never change under that job.
        if self.pk and self.jobs.exists():
            stored = type(self).objects.only("spec", "sample_data").get(pk=self.pk)
            if stored.spec != self.spec or stored.sample_data != self.sample_data:
                raise ValidationError("This template version was used by a report job and cannot be changed.",
                                      code="version_immutable")
        super().save(*args, **kwargs)
