import copy
import json

import pytest

from demo.loader import CONTENT_DIR, demo_seed
from templates_app.models import ReportTemplate
from templates_app.validation import SourceInfo

DEMO_SOURCES = ("quality_metrics", "training_metrics", "document_metrics", "department_data")


def demo_template(filename: str = "monthly-quality.json") -> dict:
    return json.loads((CONTENT_DIR / filename).read_text())


@pytest.fixture
def monthly():
    """(spec, sample_data) of the monthly quality demo template, free to mutate."""
    payload = demo_template()
    return copy.deepcopy(payload["spec"]), copy.deepcopy(payload["sample_data"])


@pytest.fixture
def catalogue():
    """The demo sources as validation sees them (with the placeholders their query params use)."""
    params = {"start": "{period.start}", "end": "{period.end}", "department": "{department}"}
    return {name: SourceInfo(name=name, query_params=dict(params)) for name in DEMO_SOURCES}


@pytest.fixture
def demo(db):
    demo_seed(base_url="http://127.0.0.1:9")
    return ReportTemplate.objects.get(slug="monthly-quality")
