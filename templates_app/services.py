from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max

from .models import DataSource, ReportTemplate, TemplateVersion
from .selectors import active_source_names
from .validation import validate_spec


@transaction.atomic
def template_version_create(*, template: ReportTemplate, spec: dict[str, Any], author=None,
                            change_note: str = "", sample_data: dict[str, Any] | None = None) -> TemplateVersion:
    """A new numbered version, unless the spec equals the latest one (then that one is returned)."""
    latest = template.versions.order_by("-number").first()
    if latest and latest.spec == spec and (sample_data is None or latest.sample_data == sample_data):
        return latest
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return TemplateVersion.objects.create(
        template=template, number=number, spec=spec, author=author, change_note=change_note,
        sample_data=sample_data if sample_data is not None else (latest.sample_data if latest else {}),
    )


def template_version_publish(*, version: TemplateVersion) -> TemplateVersion:
    """Publish a version (also used to roll back). Only a valid version can be published."""
    problems = validate_spec(version.spec, known_sources=active_source_names())
    if problems:
        raise ValidationError([str(p) for p in problems], code="invalid_spec")
    template = version.template
    template.published_version = version
    template.save(update_fields=["published_version", "updated_at"])
    return version


def data_source_save(*, source: DataSource) -> DataSource:
    """Save a source and bump its version, which invalidates every cached response of it."""
    if source.pk:
        source.version = F("version") + 1
    source.save()
    source.refresh_from_db(fields=["version"])
    return source
