"""report_outcome: the headline KPI rows, the report's worst status and the processed data's hash."""
import datetime
from decimal import Decimal

from templates_app.spec import KpisSection, ReportSpec, TableSection, ColumnSpec

from reporting.pipeline.outcome import data_sha256, report_outcome


def spec(*sections) -> ReportSpec:
    return ReportSpec(title="T", sections=tuple(sections))


DATA = {
    "summary_kpis": [{"name": "Overall", "value": 82.8, "unit": "%", "status": "good"}],
    "dept_kpis": [{"name": "A", "value": 40, "status": "critical"}, {"name": "B", "value": None, "status": None}],
    "rows": [{"name": "QA", "status": "critical"}, {"name": "OPS"}],  # a department table's status counts
}


def test_headline_is_summary_kpis_and_worst_status_covers_every_kpis_section():
    outcome = report_outcome(report=spec(KpisSection(data="dept_kpis"), KpisSection(data="summary_kpis"),
                                         TableSection(data="rows", columns=(ColumnSpec("status"),))), data=DATA)
    assert outcome.headline == DATA["summary_kpis"]
    assert outcome.worst_status == "critical"


def test_without_summary_kpis_the_first_kpis_section_is_the_headline():
    outcome = report_outcome(report=spec(KpisSection(data="dept_kpis")), data=DATA)
    assert [row["name"] for row in outcome.headline] == ["A", "B"]


def test_no_kpis_sections_means_no_headline_but_a_tables_statuses_still_count():
    outcome = report_outcome(report=spec(TableSection(data="rows", columns=(ColumnSpec("status"),))), data=DATA)
    assert (outcome.headline, outcome.worst_status) == ([], "critical")
    assert len(outcome.data_sha256) == 64
    assert report_outcome(report=spec(), data=DATA).worst_status == ""


def test_a_critical_department_row_makes_good_headline_kpis_not_all_good():
    data = {"summary_kpis": [{"name": "Overall", "value": 91.0, "status": "excellent"}],
            "departments": [{"name": "QA", "overall_score": 95.0, "status": "good"},
                            {"name": "OPS", "overall_score": 41.0, "status": "critical"}],
            "sources": [{"name": "erp", "rows": 12}]}  # a table without a status column changes nothing
    outcome = report_outcome(report=spec(KpisSection(data="summary_kpis"),
                                         TableSection(data="departments", columns=(ColumnSpec("name"),)),
                                         TableSection(data="sources", columns=(ColumnSpec("name"),))), data=data)
    assert outcome.worst_status == "critical"


def test_rows_lacking_keys_broken_paths_and_odd_values_are_tolerated():
    data = {"k": [{"name": "Only a name"}, "not a row", {"value": float("nan"), "status": "Good?"}],
            "when": datetime.date(2026, 10, 31), "amount": Decimal("1.5")}
    outcome = report_outcome(report=spec(KpisSection(data="k"), KpisSection(data="missing.path")), data=data)
    assert outcome.headline == [{"name": "Only a name"}, {"value": None, "status": "Good?"}]
    assert outcome.worst_status == ""


def test_hash_is_canonical_and_changes_with_the_data():
    assert data_sha256({"a": 1, "b": [1, 2]}) == data_sha256({"b": [1, 2], "a": 1})
    assert data_sha256({"a": 1}) != data_sha256({"a": 2})
    assert report_outcome(report=spec(), data=DATA).data_sha256 == data_sha256(DATA)
