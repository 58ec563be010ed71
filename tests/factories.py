import factory
from django.contrib.auth import get_user_model

from templates_app.models import DataSource, ReportTemplate, TemplateVersion


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.django.Password("pw")


class StaticSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSource

    name = factory.Sequence(lambda n: f"static_{n}")
    kind = DataSource.Kind.STATIC
    static_data = factory.LazyFunction(lambda: {"rows": [{"name": "A", "value": 1}]})


def small_spec(*, source_name: str, title: str = "Small report") -> dict:
    """A valid spec over one static source: a table and a bar chart of its rows."""
    return {
        "title": title,
        "parameters": [{"name": "note", "type": "string", "label": "Note", "required": False}],
        "sources": [{"source": source_name, "required": True}],
        "processors": [],
        "sections": [
            {"type": "heading", "text": "Rows"},
            {"type": "chart", "kind": "bar", "title": "Values", "data": f"{source_name}.rows", "x": "name",
             "y": ["value"]},
            {"type": "table", "title": "Rows", "data": f"{source_name}.rows",
             "columns": [{"field": "name", "label": "Name"}, {"field": "value", "label": "Value", "format": "0"}]},
        ],
        "outputs": ["pdf", "xlsx"],
    }


class ReportTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportTemplate

    slug = factory.Sequence(lambda n: f"report-{n}")
    name = factory.Sequence(lambda n: f"Report {n}")


def published_template(*, spec: dict, slug: str | None = None, **kwargs) -> ReportTemplate:
    template = ReportTemplateFactory(**({"slug": slug} if slug else {}), **kwargs)
    version = TemplateVersion.objects.create(template=template, number=1, spec=spec)
    template.published_version = version
    template.save()
    return template
