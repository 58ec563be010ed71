"""The template admin as people use it (issue 15): valid/published columns, publish behind a
confirmation page and never for an invalid version, no default publish tick, plain-word diff
navigation, and History showing the versions."""
import pytest
from django.urls import reverse

from templates_app.models import TemplateVersion
from tests.factories import StaticSourceFactory, UserFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def template():
    source = StaticSourceFactory(name="rows")
    template = published_template(spec=small_spec(source_name=source.name, title="First"), slug="two")
    TemplateVersion.objects.create(template=template, number=2, spec=small_spec(source_name=source.name,
                                                                                title="Second"))
    TemplateVersion.objects.create(template=template, number=3, spec={"title": "Broken", "sections": "nope"})
    return template


def test_history_lists_validity_and_offers_publish_only_for_valid_versions(admin_client, template):
    page = admin_client.get(reverse("admin:templates_app_reporttemplate_history", args=[template.pk]), follow=True)
    text = page.content.decode()
    assert page.redirect_chain and "Versions of" in text
    v2, v3 = (template.versions.get(number=n) for n in (2, 3))
    assert reverse("admin:templates_app_templateversion_publish", args=[v2.pk]) in text
    assert reverse("admin:templates_app_templateversion_publish", args=[v3.pk]) not in text
    assert "invalid (" in text and "<th>Valid</th>" in text
    confirm = admin_client.get(reverse("admin:templates_app_templateversion_publish", args=[v3.pk])).content.decode()
    assert "cannot be published" in confirm and "Yes, publish" not in confirm
    admin_client.post(reverse("admin:templates_app_templateversion_publish", args=[v3.pk]))
    template.refresh_from_db()
    assert template.published_version.number == 1
    changelist = admin_client.get(reverse("admin:templates_app_templateversion_changelist")).content.decode()
    assert "column-is_valid" in changelist and "column-is_published" in changelist


def test_confirmation_page_then_publish(admin_client, template):
    v2 = template.versions.get(number=2)
    url = reverse("admin:templates_app_templateversion_publish", args=[v2.pk])
    page = admin_client.get(url).content.decode()
    assert "This replaces v1" in page and "Yes, publish v2" in page and "Show the difference first" in page
    template.refresh_from_db()
    assert template.published_version.number == 1  # looking at the page changes nothing
    admin_client.post(url)
    template.refresh_from_db()
    assert template.published_version.number == 2
    again = admin_client.get(url).content.decode()
    assert "already the published version" in again and "Yes, publish" not in again


def test_no_default_publish_tick_plain_diff_words_and_one_breadcrumb_name(admin_client, template):
    change = admin_client.get(reverse("admin:templates_app_reporttemplate_change", args=[template.pk])).content.decode()
    assert 'name="publish"' in change and 'name="publish" checked' not in change
    diff = admin_client.get(reverse("admin:templates_app_reporttemplate_diff", args=[template.pk]) + "?a=1&b=2")
    text = diff.content.decode()
    assert ">Next change</a>" in text or ">First change</a>" in text
    assert ">n</a>" not in text and ">f</a>" not in text and ">t</a>" not in text
    assert "Report templates</a>" in text and ">Templates</a>" not in text
