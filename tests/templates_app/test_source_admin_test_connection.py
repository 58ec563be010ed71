"""Data-source admin (issue 15): only the kind's fields are shown, and "Test connection" runs the
source once (uncached) with sample parameters: status, time, bytes and the first rows."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import HttpSourceFactory, StaticSourceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_static_source_answers_with_its_first_rows(admin_client):
    rows = [{"name": f"Row {i}", "value": i, "<b>": "<script>x</script>"} for i in range(12)]
    source = StaticSourceFactory(name="rows", static_data={"rows": rows})
    change = admin_client.get(reverse("admin:templates_app_datasource_change", args=[source.pk])).content.decode()
    assert "kind-fields kind-static" in change and "kind-fields kind-http" in change and "datasource_kind.js" in change
    test_url = reverse("admin:templates_app_datasource_test", args=[source.pk])
    assert test_url in change
    page = admin_client.post(test_url).content.decode()
    assert "Answered" in page and "First 5 of 12 rows" in page
    assert "<td>Row 4</td>" in page and "<td>Row 5</td>" not in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_unreachable_http_source_says_why(admin_client):
    source = HttpSourceFactory(name="down", base_url="http://127.0.0.1:9", endpoint="/x", max_attempts=1)
    page = admin_client.post(reverse("admin:templates_app_datasource_test", args=[source.pk])).content.decode()
    assert "Failed</strong>:" in page and "Traceback" not in page


def test_view_only_staff_cannot_run_a_source(client):
    source = StaticSourceFactory()
    user = UserFactory(username="looker", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_datasource"))
    client.force_login(user)
    url = reverse("admin:templates_app_datasource_test", args=[source.pk])
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
