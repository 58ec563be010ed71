"""A report run synchronously for the command line: checks, the run, and the files in a folder."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model

from templates_app.models import ReportTemplate
from templates_app.parameters import ParameterForm, cli_form_data
from templates_app.selectors import template_list_for_user

from reporting.models import ReportJob
from reporting.pipeline.engine import available_formats

from .job_queue import JobNotPublishable, job_create
from .job_runner import job_run


class GenerateRefused(Exception):
    """The request cannot run as given (unknown template, bad parameters, ...); nothing was recorded."""


@dataclass
class GeneratedReport:
    job: ReportJob
    files: dict[str, str] = field(default_factory=dict)  # format -> absolute path


def job_generate(*, slug: str, raw_parameters: dict[str, str], formats: list[str] | None, username: str | None,
                 use_cache: bool, output_dir: Path, dump_data: Path | None = None) -> GeneratedReport:
    """Validate everything a person typed, then run the report and copy its files to ``output_dir``."""
    template = ReportTemplate.objects.filter(slug=slug, is_active=True).first()
    if template is None or template.published_version is None:
        known = ", ".join(ReportTemplate.objects.filter(is_active=True).values_list("slug", flat=True))
        raise GenerateRefused(f"unknown report template '{slug}' (known: {known or 'none'})")
    parameters = template.published_version.parsed.parameters
    try:
        form = ParameterForm(data=cli_form_data(parameters, raw_parameters), spec_parameters=parameters)
    except ValueError as exc:
        raise GenerateRefused(str(exc)) from None
    if not form.is_valid():
        problems = "; ".join(f"{name}: {message}" if name else message for name, message in form.parameter_errors())
        raise GenerateRefused(f"invalid parameters: {problems}")
    known_formats = available_formats()
    bad = [f for f in formats or [] if f not in known_formats]
    if bad:
        raise GenerateRefused(f"unknown format(s): {', '.join(bad)} (known: {', '.join(known_formats)})")
    if dump_data is not None and not dump_data.parent.is_dir():
        raise GenerateRefused(f"--dump-data: the folder {dump_data.parent} does not exist")
    user = _requester(username, template)
    try:
        job = job_create(template=template, user=user, parameters=form.parameters(), formats=formats,
                         use_cache=use_cache, origin=ReportJob.Origin.CLI)
    except JobNotPublishable as exc:
        raise GenerateRefused(str(exc)) from None

    def dump(data):
        if dump_data is not None:
            dump_data.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False))

    job = job_run(job=job, on_processed=dump)
    return GeneratedReport(job=job, files=_copy_artifacts(job, output_dir))


def _requester(username: str | None, template: ReportTemplate):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise GenerateRefused(f"unknown user '{username}'")
    # The job will be theirs to open and download: the template's groups apply as on the web.
    if not template_list_for_user(user=user).filter(pk=template.pk).exists():
        raise GenerateRefused(f"user '{user.get_username()}' may not run report template '{template.slug}'")
    return user


def _copy_artifacts(job: ReportJob, output_dir: Path) -> dict[str, str]:
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for artifact in job.artifacts.all():
        target = output_dir / f"{job.template.slug}-{job.public_id}.{artifact.format}"
        with artifact.file.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        paths[artifact.format] = str(target.resolve())
    return paths
