"""Admin "Test connection" (issue 16 review): the outbound fetch runs on a CSRF-checked POST only, and
an allowed secret header the upstream echoes back never appears on the page."""
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import HttpSourceFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "tok-" + "Zq8wP3" * 6


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def echoing_source(api, settings, monkeypatch):
    settings.REPORTING_SOURCE_SECRET_ENV = ["ANALYTICS_TOKEN"]
    monkeypatch.setenv("ANALYTICS_TOKEN", TOKEN)
    answer = api.answer

    def echo(path, headers):  # a debug endpoint that reflects the request's headers
        answer(path, headers)
        key = headers.get("X-Api-Key", "")
        return 200, {"rows": [{"header": f"X-Api-Key: {key}", "long": "x" * 190 + key}],
                     "echo": {key: key}} if path == "/rows" else {"seen": key}

    api.answer = echo
    source = HttpSourceFactory(name="echo", base_url=api.base_url, headers={"X-Api-Key": "${env:ANALYTICS_TOKEN}"})
    return source


def test_get_shows_the_button_and_fetches_nothing(client, root, api, echoing_source):
    client.force_login(root)
    page = client.get(reverse("admin:templates_app_datasource_test", args=[echoing_source.pk])).content.decode()
    assert 'method="post"' in page and "Run the test" in page and "csrfmiddlewaretoken" in page
    assert api.hits["/rows"] == 0 and "Answered" not in page


def test_a_post_without_the_csrf_token_is_refused_and_fetches_nothing(root, api, echoing_source):
    client = Client(enforce_csrf_checks=True)
    client.force_login(root)
    response = client.post(reverse("admin:templates_app_datasource_test", args=[echoing_source.pk]))
    assert response.status_code == 403 and api.hits["/rows"] == 0


def test_an_echoed_secret_header_is_masked_in_rows_and_preview(client, root, api, echoing_source):
    client.force_login(root)
    url = reverse("admin:templates_app_datasource_test", args=[echoing_source.pk])
    page = client.post(url).content.decode()
    assert api.hits["/rows"] == 1 and api.seen_headers[-1].get("X-Api-Key") == TOKEN  # the upstream got it
    assert "Answered" in page and "X-Api-Key: ***" in page
    assert TOKEN not in page and TOKEN[:9] not in page  # not even the start of it, where a cell is cut

    echoing_source.endpoint = "/other"  # an answer without rows: shown as JSON text
    echoing_source.save()
    page = client.post(url).content.decode()
    assert "Answer" in page and '"seen": "***"' in page.replace("&quot;", '"') and TOKEN not in page


def test_an_echoed_secret_in_an_error_is_masked(client, root, api, echoing_source):
    api.answer = lambda path, headers: (500, {"error": f"bad key {headers.get('X-Api-Key')}"})
    client.force_login(root)
    page = client.post(reverse("admin:templates_app_datasource_test", args=[echoing_source.pk])).content.decode()
    assert "Failed</strong>" in page and TOKEN not in page
