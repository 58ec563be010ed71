"""The demo dataset: monthly facts per department, deterministic, plausible, never after today."""
from __future__ import annotations

import statistics
from datetime import date

from demo.aggregate import quality_figures, totals
from demo.facts import DATASET_START, DEPARTMENTS, WORKFLOW_STAGES, dataset, month_end, month_start

TODAY = date(2026, 11, 17)


def test_a_months_facts_do_not_depend_on_today_once_the_month_is_over():
    early, late = dataset(date(2025, 4, 30)), dataset(TODAY)
    assert early[("R&D", "2025-03")] == late[("R&D", "2025-03")]
    assert all(early[key] == late[key] for key in early if key[1] <= "2025-04")


def test_the_dataset_runs_from_its_start_through_todays_month_and_that_month_is_partial():
    facts = dataset(TODAY)
    months = sorted({month for _, month in facts})
    assert months[0] == "2024-01" and months[-1] == "2026-11" and len(months) == 35
    assert {department for department, _ in facts} == set(DEPARTMENTS)
    assert len(facts) == 35 * len(DEPARTMENTS)
    assert {f.month for f in facts.values() if not f.complete} == {"2026-11"}
    assert dataset(date(2023, 12, 31)) == {}
    assert min(month_start(m) for m in months) == DATASET_START

    # 17 of November's 30 days have happened: its volumes are about 17/30 of October's.
    for department in DEPARTMENTS:
        november, october = facts[(department, "2026-11")], facts[(department, "2026-10")]
        assert 0.35 < november.inspections / october.inspections < 0.8
        # The same month seen later, when it is complete, has more of everything but the same draws.
        full = dataset(date(2026, 11, 30))[(department, "2026-11")]
        assert full.complete and full.inspections > november.inspections
        assert abs(november.inspections / full.inspections - 17 / 30) < 0.05


def test_counts_are_consistent_with_each_other_and_dates_never_after_today():
    for fact in dataset(TODAY).values():
        assert 0 <= fact.defects <= fact.inspections
        assert 0 <= fact.units_passed_first_time <= fact.units_produced
        assert 0 <= fact.audit_checks_passed <= fact.audit_checks_total
        assert 0 <= fact.training_overdue <= fact.training_assigned - fact.training_completed
        assert 0 <= fact.documents_approved <= fact.documents_created
        assert 0 <= fact.documents_revised <= fact.documents_created
        assert sum(fact.stage_documents) == fact.documents_created
        assert len(fact.stage_documents) == len(fact.stage_days_total) == len(WORKFLOW_STAGES)
        assert sum(fact.stage_documents[3:]) == fact.documents_approved  # Training and Effective are approved
        assert fact.open_capas >= 0 and fact.capas_closed >= 0
        if fact.audit_date is not None:
            assert month_start(fact.month) <= fact.audit_date <= min(month_end(fact.month), TODAY)


def test_rates_are_plausible_and_departments_differ():
    facts = dataset(TODAY)
    yearly = {d: quality_figures(totals(f for (dep, m), f in facts.items() if dep == d and m.startswith("2025")))
              for d in DEPARTMENTS}
    for figures in yearly.values():
        assert 0.5 < figures["defect_rate"] < 8
        assert 75 < figures["first_pass_yield_percentage"] < 99.5
        assert 70 < figures["compliance_rate"] < 99.9
        assert 50 < figures["quality_score"] < 100
    scores = [f["quality_score"] for f in yearly.values()]
    assert max(scores) - min(scores) > 5  # a ranking of departments means something
    # Month to month the rates move, but slowly (a random walk, not noise).
    monthly = [quality_figures(totals([facts[("Manufacturing", m)]]))["first_pass_yield_percentage"]
               for m in sorted(m for d, m in facts if d == "Manufacturing") if m < "2026-11"]
    steps = [abs(b - a) for a, b in zip(monthly, monthly[1:])]
    assert 0 < statistics.mean(steps) < 2.5


def test_a_part_of_a_month_is_the_months_facts_scaled_to_its_days():
    from demo.facts import part_of_month

    whole = dataset(TODAY)[("Supply Chain", "2026-10")]
    assert part_of_month(TODAY, "Supply Chain", "2026-10", date(2026, 10, 1), date(2026, 10, 31)) == whole
    assert part_of_month(TODAY, "Supply Chain", "2026-11", date(2026, 11, 1), TODAY) == dataset(TODAY)[
        ("Supply Chain", "2026-11")]  # the current month: up to today, whatever end is asked for
    assert part_of_month(TODAY, "Supply Chain", "2026-11", date(2026, 11, 1), date(2026, 12, 31)) == dataset(TODAY)[
        ("Supply Chain", "2026-11")]
    half = part_of_month(TODAY, "Supply Chain", "2026-10", date(2026, 10, 1), date(2026, 10, 15))
    assert half == part_of_month(TODAY, "Supply Chain", "2026-10", date(2026, 10, 1), date(2026, 10, 15))
    assert not half.complete and abs(half.inspections - whole.inspections * 15 / 31) <= 1
    assert half.open_capas >= 0 and sum(half.stage_documents) == half.documents_created
