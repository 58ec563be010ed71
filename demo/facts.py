"""The demo dataset: generated monthly facts per department, the one source every demo endpoint reads.

Each department has a fixed profile (volumes and base rates, so departments differ) and a few slow
latent rates (defect rate, first-pass yield, compliance, training completion, approval and CAPA
days) that follow a mean-reverting random walk around a gently trending target. A month's random
draws come from a sha256 of (department, month), and the walk always starts at DATASET_START, so a
month's facts are the same whatever period is asked for. Nothing is generated after ``today``; the
month containing ``today`` is partial: its volumes are scaled by the share of its days elapsed, and
so is a part of any month asked for (:func:`part_of_month`), from the same draws.

Counts are integers (day totals too: whole days summed over the items), so any sum over departments
or months is exact.
"""
from __future__ import annotations

import calendar
import hashlib
import random
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from typing import Any

DATASET_START = date(2024, 1, 1)
DEPARTMENTS = (
    "Manufacturing",
    "Quality Assurance",
    "Regulatory Affairs",
    "R&D",
    "Supply Chain",
    "Łódź Packaging",  # a name outside Latin-1, on purpose: fonts and encodings must cope
)
WORKFLOW_STAGES = ("Draft", "Review", "Approval", "Training", "Effective")


@dataclass(frozen=True)
class MonthFacts:
    """What happened in one department in one month ("YYYY-MM"); ``complete`` is False for the
    month containing today (facts up to today only)."""

    department: str
    month: str
    complete: bool
    inspections: int
    defects: int
    units_produced: int
    units_passed_first_time: int
    nonconformances: int
    capas_opened: int
    capas_closed: int
    capa_closure_days_total: int  # days from opening to closure, summed over the CAPAs closed
    open_capas: int  # CAPAs still open at the end of the month (a level, not summed over months)
    audit_checks_total: int
    audit_checks_passed: int
    audit_date: date | None  # the department's formal audit, when there was one this month
    training_assigned: int
    training_completed: int
    training_overdue: int  # assignments due this month and not completed on time
    documents_created: int
    documents_revised: int
    documents_approved: int
    approval_days_total: int  # days from submission to approval, summed over the documents approved
    stage_documents: tuple[int, ...]  # documents created this month, by current stage (WORKFLOW_STAGES)
    stage_days_total: tuple[int, ...]  # days those documents have spent in their current stage, summed


# Fields that add up over months and departments (open_capas, audit_date and the stages do not).
SUMMED_FIELDS = tuple(
    f.name for f in fields(MonthFacts)
    if f.name not in {"department", "month", "complete", "open_capas", "audit_date", "stage_documents",
                      "stage_days_total"}
)


@dataclass(frozen=True)
class _Profile:
    inspections: int
    units: int
    audit_checks: int
    training: int
    documents: int
    defect_rate: float  # %
    first_pass_yield: float  # %
    compliance: float  # %
    completion: float  # % of assigned training completed
    approval_days: float
    capa_days: float
    open_capas: int  # backlog when the dataset starts
    # How fast the targets drift towards better (negative: worse), per year, in walk steps / 0.9
    # (so 1.0 moves compliance, step 0.9, by 1 point a year and defect rate, step 0.22, by 0.24 points).
    improvement: float


_PROFILES = {
    "Manufacturing": _Profile(1800, 42000, 120, 180, 14, 2.9, 92.5, 91.0, 84.0, 2.6, 27.0, 9, 0.8),
    "Quality Assurance": _Profile(950, 9000, 160, 90, 22, 1.6, 96.5, 96.0, 93.0, 1.8, 19.0, 4, 0.3),
    "Regulatory Affairs": _Profile(120, 600, 60, 60, 30, 1.3, 97.5, 97.0, 95.0, 3.4, 24.0, 2, 0.2),
    "R&D": _Profile(300, 2200, 50, 75, 26, 4.4, 83.0, 79.0, 78.0, 3.0, 34.0, 6, 1.0),
    "Supply Chain": _Profile(700, 15000, 80, 110, 9, 3.3, 91.0, 88.5, 86.0, 2.2, 30.0, 5, -0.4),
    "Łódź Packaging": _Profile(1200, 56000, 90, 140, 8, 3.7, 89.0, 84.0, 80.0, 2.9, 36.0, 7, 0.4),
}

# latent -> (profile field, direction of "better", random-walk step sd, low, high)
_LATENTS = {
    "defect_rate": ("defect_rate", -1, 0.22, 0.3, 8.0),
    "first_pass_yield": ("first_pass_yield", 1, 0.7, 75.0, 99.5),
    "compliance": ("compliance", 1, 0.9, 70.0, 99.8),
    "completion": ("completion", 1, 1.8, 60.0, 99.5),
    "approval_days": ("approval_days", -1, 0.25, 0.8, 8.0),
    "capa_days": ("capa_days", -1, 2.0, 8.0, 60.0),
}
_PERSISTENCE = 0.8  # share of last month's deviation from target kept: slow, plausible trends


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 1)


def month_end(key: str) -> date:
    start = month_start(key)
    return date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])


def add_months(key: str, count: int) -> str:
    index = int(key[:4]) * 12 + int(key[5:7]) - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive ([] when last is before first)."""
    count = (int(last[:4]) * 12 + int(last[5:7])) - (int(first[:4]) * 12 + int(first[5:7])) + 1
    return [add_months(first, i) for i in range(max(0, count))]


def dataset_months(today: date) -> list[str]:
    """The months the dataset holds: DATASET_START's month through today's month."""
    return months_between(month_key(DATASET_START), month_key(today)) if today >= DATASET_START else []


@lru_cache(maxsize=16)
def dataset(today: date) -> dict[tuple[str, str], MonthFacts]:
    """(department, "YYYY-MM") -> facts, for every department and every month up to today."""
    return {key: _month(basis, _elapsed_share(key[1], today), today) for key, basis in _bases(today).items()}


def part_of_month(today: date, department: str, month: str, first: date, last: date) -> MonthFacts:
    """The facts of the days [first, last] of a month (clipped to the month and to today): the
    month's facts scaled to the share of its days, from the same draws as the whole month."""
    first, last = max(first, month_start(month)), min(last, month_end(month), today)
    share = max(0, (last - first).days + 1) / month_end(month).day
    return _month(_bases(today)[(department, month)], share, today, days=(first, last))


@dataclass(frozen=True)
class _Basis:
    """What a department-month's facts are made from, whatever share of its days is asked for."""

    department: str
    month: str
    profile: _Profile
    rates: dict[str, float]
    draws: dict[str, Any]
    open_before: int  # CAPAs open when the month starts


@lru_cache(maxsize=16)
def _bases(today: date) -> dict[tuple[str, str], _Basis]:
    months = dataset_months(today)
    bases: dict[tuple[str, str], _Basis] = {}
    for department in DEPARTMENTS:
        profile = _PROFILES[department]
        deviation = dict.fromkeys(_LATENTS, 0.0)
        open_capas = profile.open_capas
        for index, month in enumerate(months):
            rng = _rng(department, month)
            rates = {}
            for name, (field, better, step, low, high) in _LATENTS.items():
                deviation[name] = _PERSISTENCE * deviation[name] + rng.gauss(0.0, step)
                target = getattr(profile, field) + better * profile.improvement * index / 12 * step / 0.9
                rates[name] = min(high, max(low, target + deviation[name]))
            basis = _Basis(department, month, profile, rates, _draws(rng), open_capas)
            bases[(department, month)] = basis
            open_capas = _month(basis, _elapsed_share(month, today), today).open_capas
    return bases


def _rng(department: str, month: str) -> random.Random:
    digest = hashlib.sha256(f"{department}|{month}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _elapsed_share(month: str, today: date) -> float:
    if month != month_key(today):
        return 1.0
    return today.day / month_end(month).day


def _draws(rng: random.Random) -> dict[str, Any]:
    return {
        "volume": [max(0.5, rng.gauss(1.0, 0.07)) for _ in range(5)],
        "nc_per_defect": rng.uniform(0.18, 0.3),
        "capa_per_nc": rng.uniform(0.3, 0.5),
        "capa_rounding": rng.random(),  # rounds at random, so a department with few NCs still opens CAPAs
        "close_share": rng.uniform(0.4, 0.6),
        "overdue_share": rng.uniform(0.35, 0.65),
        "revised_share": rng.uniform(0.3, 0.6),
        "approved_share": rng.uniform(0.78, 0.92),
        "effective_share": rng.uniform(0.8, 0.92),
        "pending_split": (rng.uniform(0.2, 0.35), rng.uniform(0.3, 0.45)),
        "stage_days": (rng.uniform(1.5, 4.0), rng.uniform(0.8, 2.5), rng.uniform(0.5, 2.0),
                       rng.uniform(1.0, 5.0), rng.uniform(10.0, 40.0)),
        "audit_day": rng.randint(1, 28) if rng.random() < 0.35 else None,
    }


def _month(basis: _Basis, elapsed: float, today: date, days: tuple[date, date] | None = None) -> MonthFacts:
    """The facts of ``elapsed`` (a share of the month's days: 1.0 for all) of a department-month."""
    profile, rates, open_before, month = basis.profile, basis.rates, basis.open_before, basis.month
    d = basis.draws
    volume, nc_per_defect, capa_per_nc = d["volume"], d["nc_per_defect"], d["capa_per_nc"]
    capa_rounding, close_share, overdue_share = d["capa_rounding"], d["close_share"], d["overdue_share"]
    revised_share, approved_share, effective_share = d["revised_share"], d["approved_share"], d["effective_share"]
    pending_split, stage_days, audit_day = d["pending_split"], d["stage_days"], d["audit_day"]
    first, last = days or (month_start(month), min(month_end(month), today))

    inspections = round(profile.inspections * volume[0] * elapsed)
    defects = round(inspections * rates["defect_rate"] / 100)
    units = round(profile.units * volume[1] * elapsed)
    audits = round(profile.audit_checks * volume[2] * elapsed)
    audits_passed = round(audits * rates["compliance"] / 100)
    nonconformances = round(defects * nc_per_defect + (audits - audits_passed) * 0.3)
    capas_opened = int(nonconformances * capa_per_nc + capa_rounding)
    capas_closed = round((open_before + capas_opened) * close_share * elapsed)
    assigned = round(profile.training * volume[3] * elapsed)
    completed = round(assigned * rates["completion"] / 100)
    created = round(profile.documents * volume[4] * elapsed)
    approved = round(created * approved_share)
    effective = round(approved * effective_share)
    pending = created - approved
    draft, review = round(pending * pending_split[0]), round(pending * pending_split[1])
    stages = (draft, review, pending - draft - review, approved - effective, effective)
    audit_date = None
    if audit_day is not None and first <= month_start(month).replace(day=audit_day) <= last:
        audit_date = month_start(month).replace(day=audit_day)
    return MonthFacts(
        department=basis.department, month=month, complete=elapsed == 1.0,
        inspections=inspections, defects=defects,
        units_produced=units, units_passed_first_time=round(units * rates["first_pass_yield"] / 100),
        nonconformances=nonconformances, capas_opened=capas_opened, capas_closed=capas_closed,
        capa_closure_days_total=round(capas_closed * rates["capa_days"]),
        open_capas=open_before + capas_opened - capas_closed,
        audit_checks_total=audits, audit_checks_passed=audits_passed, audit_date=audit_date,
        training_assigned=assigned, training_completed=completed,
        training_overdue=round((assigned - completed) * overdue_share),
        documents_created=created, documents_revised=round(created * revised_share),
        documents_approved=approved, approval_days_total=round(approved * rates["approval_days"]),
        stage_documents=stages,
        stage_days_total=tuple(round(count * days) for count, days in zip(stages, stage_days)),
    )
