import pytest
import responses
from django.urls import reverse

from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
from templates_app.sources import source_config_for as source_config_from_model
from templates_app.models import DataSource
from templates_app.services import data_source_save

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8765/metrics/"


def _collect(source: DataSource):
    source.refresh_from_db()
    request = SourceRequest(config=source_config_from_model(source), params={}, required=True)
    return collect_sources(requests=[request], parameters={}).stats[source.name].cache


@responses.activate
def test_admin_clear_cache_action_and_saving_both_invalidate(client, staff_user):
    upstream = responses.get(URL, json={"data": {"value": 1}})
    source = DataSource.objects.create(name="admin_cached", kind="http", base_url="http://127.0.0.1:8765",
                                       endpoint="/metrics/", cache_ttl_s=300)
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)

    assert _collect(source) == "miss"
    assert _collect(source) == "hit"
    assert upstream.call_count == 1

    response = client.post(reverse("admin:templates_app_datasource_changelist"),
                           {"action": "clear_cache", "_selected_action": [source.pk]}, follow=True)
    assert "Cleared the cache of 1 source(s): admin_cached." in response.content.decode()
    assert _collect(source) == "miss"
    assert upstream.call_count == 2

    version = source.version
    source.description = "changed"
    data_source_save(source=source)
    assert source.version == version + 1
    assert _collect(source) == "miss"
    assert upstream.call_count == 3
