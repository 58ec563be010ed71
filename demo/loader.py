"""Demo content: data sources on the app's own demo API, two templates, two users. Idempotent."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from templates_app.models import DataSource, ReportTemplate
from templates_app.services import data_source_save, template_version_create, template_version_publish

# The demo templates and sources as JSON (not "templates/": Django looks there for HTML templates).
CONTENT_DIR = Path(__file__).resolve().parent / "content"
TEMPLATE_FILES = ("monthly-quality.json", "training-compliance.json")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    is_staff: bool


DEMO_USERS = (
    DemoLogin("demo", "demo-password", True),
    DemoLogin("viewer", "viewer-password", False),
)


@transaction.atomic
def demo_seed(*, base_url: str | None = None) -> list[DemoLogin]:
    base_url = (base_url or settings.DEMO_API_BASE_URL).rstrip("/")
    for entry in json.loads((CONTENT_DIR / "sources.json").read_text()):
        desired = {
            "kind": DataSource.Kind.HTTP, "base_url": base_url, "method": "GET",
            "headers": {"Authorization": "Bearer ${env:DEMO_API_TOKEN}", "Accept": "application/json"},
            "response_path": "", "cache_ttl_s": 300, "is_active": True, **entry,
        }
        source = DataSource.objects.filter(name=entry["name"]).first() or DataSource(name=entry["name"])
        if source.pk is None or any(getattr(source, k) != v for k, v in desired.items()):
            for key, value in desired.items():
                setattr(source, key, value)
            data_source_save(source=source)

    User = get_user_model()
    author = None
    for login in DEMO_USERS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User.objects.create_user(username=login.username, password=login.password,
                                            first_name=login.username.capitalize(), last_name="User")
        user.is_staff = user.is_superuser = login.is_staff
        user.save(update_fields=["is_staff", "is_superuser"])
        author = author or user

    for filename in TEMPLATE_FILES:
        payload = json.loads((CONTENT_DIR / filename).read_text())
        template, _ = ReportTemplate.objects.update_or_create(
            slug=payload["slug"], defaults={"name": payload["name"], "description": payload["description"]},
        )
        # Sample data: the demo API's answer for a fixed quarter, so test renders look like real reports.
        version = template_version_create(template=template, spec=payload["spec"], author=author,
                                          change_note="Demo template", sample_data=payload.get("sample_data", {}))
        if template.published_version_id != version.pk:
            template_version_publish(version=version)
    return list(DEMO_USERS)
