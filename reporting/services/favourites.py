"""Favourite runs: a job's parameters saved under a name, run again from the home page."""
from __future__ import annotations

from django.core.exceptions import ValidationError

from reporting.models import FavouriteRun, ReportJob

MAX_FAVOURITES = 50


def favourite_save(*, user, job: ReportJob, name: str) -> FavouriteRun:
    name = name.strip()
    if not name:
        raise ValidationError("Give the favourite a name.", code="favourite_name")
    if FavouriteRun.objects.filter(user=user).count() >= MAX_FAVOURITES:
        raise ValidationError(f"You have {MAX_FAVOURITES} favourites already; delete one first.",
                              code="favourite_limit")
    if FavouriteRun.objects.filter(user=user, name=name).exists():
        raise ValidationError(f"You already have a favourite called “{name}”.", code="favourite_exists")
    return FavouriteRun.objects.create(user=user, template=job.template, name=name, parameters=job.parameters)


def favourite_delete(*, favourite: FavouriteRun) -> None:
    favourite.delete()
