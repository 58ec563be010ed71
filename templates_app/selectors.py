from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import DataSource, ReportTemplate, TemplateVersion
from .source_checks import model_source_problems
from .validation import SourceInfo, SpecProblem, validate_spec


def template_list_for_user(*, user) -> QuerySet[ReportTemplate]:
    """Active, published templates the user may see and run (group-restricted ones only for members)."""
    qs = ReportTemplate.objects.filter(is_active=True, published_version__isnull=False)
    if not user.is_superuser:
        qs = qs.annotate(group_count=Count("allowed_groups")).filter(
            Q(group_count=0) | Q(allowed_groups__in=user.groups.all())
        )
    return qs.distinct().select_related("published_version").order_by("name")


def template_allows_user(*, template: ReportTemplate, user) -> bool:
    """Whether the template's groups let the user run it (published or not; superusers always)."""
    if user.is_superuser:
        return True
    groups = set(template.allowed_groups.values_list("pk", flat=True))
    return not groups or bool(groups & set(user.groups.values_list("pk", flat=True)))


def template_get_for_user(*, slug: str, user) -> ReportTemplate:
    """The template, or 404 when it does not exist, is inactive or is not allowed for the user."""
    try:
        return template_list_for_user(user=user).get(slug=slug)
    except ReportTemplate.DoesNotExist:
        raise Http404("No such report.") from None


class UnknownTemplates(LookupError):
    """Some of the slugs asked for name no template; the message lists them."""


def template_list_by_slugs(*, slugs: list[str]) -> QuerySet[ReportTemplate]:
    """Every template (no slugs) or exactly the named ones, by slug; UnknownTemplates if any is missing."""
    templates = ReportTemplate.objects.order_by("slug")
    if slugs:
        templates = templates.filter(slug__in=slugs)
        missing = sorted(set(slugs) - set(templates.values_list("slug", flat=True)))
        if missing:
            raise UnknownTemplates(f"No template called: {', '.join(missing)}")
    return templates


def active_source_names() -> set[str]:
    return set(DataSource.objects.filter(is_active=True).values_list("name", flat=True))


def source_info(source: DataSource) -> SourceInfo:
    return SourceInfo(name=source.name, is_active=source.is_active, query_params=source.query_params,
                      body=source.body, problems=tuple(p.message for p in model_source_problems(source)))


def source_catalogue() -> dict[str, SourceInfo]:
    """Every data source (active or not) as validation sees it."""
    return {s.name: source_info(s) for s in DataSource.objects.all()}


def template_spec_problems(*, spec: Any, sample_data: Any = None,
                           catalogue: dict[str, SourceInfo] | None = None) -> list[SpecProblem]:
    """Everything wrong with a spec, checked against the data sources in the database.

    With ``sample_data`` (the version's sample payload per source), data paths and fields are
    checked against what the processors make of it.
    """
    return validate_spec(spec, known_sources=source_catalogue() if catalogue is None else catalogue,
                         sample_data=sample_data or None)


def template_version_problems(*, version: TemplateVersion) -> list[SpecProblem]:
    return template_spec_problems(spec=version.spec, sample_data=version.sample_data)


def template_version_latest(*, template: ReportTemplate) -> TemplateVersion | None:
    return template.versions.order_by("-number").first()


def template_version_current(*, template: ReportTemplate) -> TemplateVersion | None:
    """The version that speaks for the template: the published one, else the latest (a draft), else None."""
    return template.published_version or template_version_latest(template=template)
