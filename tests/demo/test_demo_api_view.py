"""The demo API over HTTP: any real date range answers 200, a malformed parameter 400 naming it."""
from __future__ import annotations

from datetime import date

import pytest

TOKEN = "view-test-token"


@pytest.fixture
def get(client, settings):
    settings.DEMO_API_TOKEN = TOKEN
    settings.DEMO_DATA_TODAY = "2026-11-17"

    def get(source="quality_metrics", token=TOKEN, **params):
        params = {"start": "2026-10-01", "end": "2026-10-31", **params}
        return client.get(f"/demo-api/{source}/", {k: v for k, v in params.items() if v is not None},
                          headers={"Authorization": f"Bearer {token}"})

    return get


@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "2026-10-31"), ("2026-10-01", "9999-12-31"),
                                            ("0001-01-01", "9999-12-31")])
@pytest.mark.parametrize("source", ["quality_metrics", "training_metrics", "document_metrics", "department_data"])
def test_the_ends_of_the_calendar_answer_200_with_what_exists(get, source, start, end):
    response = get(source, start=start, end=end)
    assert response.status_code == 200, response.content
    coverage = response.json()["data"]["coverage"]
    assert coverage["through"] == ("2026-10-31" if end == "2026-10-31" else "2026-11-17")
    assert coverage["from"] == ("2026-10-01" if start == "2026-10-01" else "2024-01-01")
    assert coverage["complete"] is False


def test_a_future_period_answers_200_with_no_figures(get):
    body = get("training_metrics", start="2027-01-01", end="2027-03-31").json()["data"]
    assert body["coverage"] == {"from": None, "through": None, "complete": False}
    assert body["no_data_reason"] == "No data for this period: the demo data runs from 1 Jan 2024 to 17 Nov 2026."
    assert body["completion_rate"] is None and body["departments"] == []


@pytest.mark.parametrize(("params", "parameter", "message"), [
    ({"start": "2026-13-01"}, "start", "start must be a date in YYYY-MM-DD form, got '2026-13-01'"),
    ({"end": "20261031"}, "end", "end must be a date in YYYY-MM-DD form, got '20261031'"),
    ({"end": "2026-02-30"}, "end", "end must be a date in YYYY-MM-DD form, got '2026-02-30'"),
    ({"start": "yesterday"}, "start", "start must be a date in YYYY-MM-DD form, got 'yesterday'"),
    ({"start": None}, "start", "start is required: a date in YYYY-MM-DD form"),
    ({"end": "2026-09-30"}, "end", "start is after end"),
    ({"department": "Marketing"}, "department", "unknown department 'Marketing'; known: Manufacturing, "
                                                "Quality Assurance, Regulatory Affairs, R&D, Supply Chain, Łódź Packaging"),
])
def test_a_bad_parameter_is_a_400_naming_it(get, params, parameter, message):
    response = get(**params)
    assert response.status_code == 400
    assert response.json() == {"error": message, "parameter": parameter}


def test_a_long_bad_date_is_not_echoed_whole(get):
    response = get(start="9" * 5000)
    assert response.status_code == 400 and len(response.json()["error"]) < 120


def test_unknown_source_is_404_and_a_wrong_token_401(get):
    assert get("secrets").status_code == 404
    assert get("secrets").json()["error"].startswith("unknown demo source 'secrets'")
    assert get(token="wrong").status_code == 401


def test_without_a_pinned_today_the_data_ends_today(get, settings):
    del settings.DEMO_DATA_TODAY
    body = get(start="2026-01-01", end="9999-12-31").json()["data"]
    assert body["coverage"]["through"] == date.today().isoformat()
    assert body["metrics"]["quality_score"]["series"][-1]["period"] == date.today().isoformat()[:7]


def test_the_department_filter_answers_that_departments_row(get):
    everyone = get("department_data").json()["data"]["departments"]
    packaging = get("department_data", department="Łódź Packaging").json()["data"]["departments"]
    assert packaging == [row for row in everyone if row["name"] == "Łódź Packaging"]


def test_a_malformed_pinned_today_is_a_configuration_error_naming_the_setting(get, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.DEMO_DATA_TODAY = "soon"
    with pytest.raises(ImproperlyConfigured, match="DEMO_DATA_TODAY must be a date or 'YYYY-MM-DD', got 'soon'"):
        get()
