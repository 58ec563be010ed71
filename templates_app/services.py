from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max

from .models import DataSource, ReportTemplate, TemplateVersion
from .signals import data_source_changed, template_version_published
from .selectors import template_version_latest, template_version_problems


@transaction.atomic
def template_version_create(*, template: ReportTemplate, spec: dict[str, Any], author=None,
                            change_note: str = "", sample_data: dict[str, Any] | None = None) -> TemplateVersion:
    """A new numbered version, unless the spec equals the latest one (then that one is returned)."""
    latest = template_version_latest(template=template)
    if latest and latest.spec == spec and (sample_data is None or latest.sample_data == sample_data):
        return latest
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return TemplateVersion.objects.create(
        template=template, number=number, spec=spec, author=author, change_note=change_note,
        sample_data=sample_data if sample_data is not None else (latest.sample_data if latest else {}),
    )


def template_version_publish(*, version: TemplateVersion) -> TemplateVersion:
    """Publish a version (also used to roll back). Only a valid version can be published.

    Valid means: the spec passes every check against the current data sources and, when the
    version has sample data, its data paths and fields resolve against the processed sample.
    """
    problems = template_version_problems(version=version)
    if problems:
        raise ValidationError([ValidationError(str(p), code=p.code) for p in problems], code="invalid_spec")
    template = version.template
    previous = template.published_version
    template.published_version = version
    template.save(update_fields=["published_version", "updated_at"])
    if previous is None or previous.pk != version.pk:
        template_version_published.send(sender=ReportTemplate, version=version, previous=previous)
    return version


@transaction.atomic
def template_spec_save(*, template: ReportTemplate, spec: dict[str, Any], sample_data: dict[str, Any] | None,
                       author=None, change_note: str = "", publish: bool = False) -> TemplateVersion:
    """Record an edited spec as a new version (a draft may be invalid); publish it when asked.

    Publishing an invalid spec raises ValidationError and, being one transaction, keeps no new version.
    """
    version = template_version_create(template=template, spec=spec, sample_data=sample_data, author=author,
                                      change_note=change_note)
    if publish and template.published_version_id != version.pk:
        template_version_publish(version=version)
    return version


def data_source_save(*, source: DataSource) -> DataSource:
    """Save a source and bump its version, which invalidates every cached response of it."""
    created = source.pk is None
    if source.pk:
        source.version = F("version") + 1
    source.save()
    source.refresh_from_db(fields=["version"])
    data_source_changed.send(sender=DataSource, source=source, created=created, change="saved")
    return source


def data_source_delete(*, source: DataSource) -> None:
    """Delete a source; the audit trail records it (what it was is copied before it goes)."""
    with transaction.atomic():
        source.delete()
        # The instance keeps its name, kind and version after the delete: the receiver records them.
        data_source_changed.send(sender=DataSource, source=source, created=False, change="deleted")


def data_source_cache_clear(*, source: DataSource) -> str:
    """Make every cached response of the source unreachable (they expire by their TTL)."""
    from reporting.pipeline.aggregation.cache import source_cache_clear

    source_cache_clear(name=source.name)
    data_source_changed.send(sender=DataSource, source=source, created=False, change="cache cleared")
    return source.name
