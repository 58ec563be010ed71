from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import DataSource, ReportTemplate


def template_list_for_user(*, user) -> QuerySet[ReportTemplate]:
    """Active, published templates the user may see and run (group-restricted ones only for members)."""
    qs = ReportTemplate.objects.filter(is_active=True, published_version__isnull=False)
    if not user.is_superuser:
        qs = qs.annotate(group_count=Count("allowed_groups")).filter(
            Q(group_count=0) | Q(allowed_groups__in=user.groups.all())
        )
    return qs.distinct().select_related("published_version").order_by("name")


def template_get_for_user(*, slug: str, user) -> ReportTemplate:
    """The template, or 404 when it does not exist, is inactive or is not allowed for the user."""
    try:
        return template_list_for_user(user=user).get(slug=slug)
    except ReportTemplate.DoesNotExist:
        raise Http404("No such report.") from None


def active_source_names() -> set[str]:
    return set(DataSource.objects.filter(is_active=True).values_list("name", flat=True))
