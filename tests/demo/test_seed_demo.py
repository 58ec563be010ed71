from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from templates_app.models import DataSource, ReportTemplate, TemplateVersion

pytestmark = pytest.mark.django_db


def _counts():
    return (DataSource.objects.count(), ReportTemplate.objects.count(), TemplateVersion.objects.count(),
            get_user_model().objects.count(), list(DataSource.objects.values_list("name", "version")))


def test_seed_demo_prints_logins_and_running_it_again_adds_nothing():
    out = StringIO()
    call_command("seed_demo", "--base-url", "http://127.0.0.1:8000", stdout=out)
    assert "demo login (staff): demo / demo-password" in out.getvalue()
    assert "demo login (viewer): viewer / viewer-password" in out.getvalue()
    first = _counts()
    assert first[:4] == (4, 2, 2, 2)
    assert set(ReportTemplate.objects.values_list("name", flat=True)) == {
        "Monthly quality report", "Training compliance report"}
    assert all(t.published_version for t in ReportTemplate.objects.all())

    call_command("seed_demo", "--base-url", "http://127.0.0.1:8000", stdout=StringIO())

    assert _counts() == first  # no duplicate rows, and no source version bump (its cache stays valid)
    users = get_user_model().objects
    assert users.get(username="demo").is_staff and not users.get(username="viewer").is_staff
    assert users.get(username="viewer").check_password("viewer-password")


def test_seed_demo_refuses_under_production_settings_unless_forced(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="seed_demo refuses to run under production settings") as refused:
        call_command("seed_demo", "--base-url", "http://127.0.0.1:8000", stdout=StringIO())
    assert type(refused.value).__name__ == "CommandError" and "--force" in str(refused.value)
    assert not get_user_model().objects.filter(username="demo").exists()

    out = StringIO()
    call_command("seed_demo", "--base-url", "http://127.0.0.1:8000", "--force", stdout=out)
    assert "demo login (staff): demo / demo-password" in out.getvalue()
