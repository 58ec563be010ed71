import json
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reporting.models import ReportJob
from reporting.pipeline.orchestrator import job_run
from reporting.services import JobNotPublishable, job_create
from templates_app.models import ReportTemplate
from templates_app.parameters import ParameterForm, cli_form_data
from templates_app.selectors import template_list_for_user


def _usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "Run a report synchronously (no queue) and write its files to a directory."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                            help="A template parameter; date ranges take a preset or START..END.")
        parser.add_argument("--format", default=None, help="Comma-separated formats (default: the template's).")
        parser.add_argument("--output", default="out", help="Directory for the files (default: ./out).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of text.")
        parser.add_argument("--dump-data", metavar="PATH", help="Write the processed data as JSON.")
        parser.add_argument("--no-cache", action="store_true", help="Fetch every source again.")
        parser.add_argument("--user", help="Username to record as the requester.")

    def handle(self, *args, **opts):
        template = ReportTemplate.objects.filter(slug=opts["slug"], is_active=True).first()
        if template is None or template.published_version is None:
            known = ", ".join(ReportTemplate.objects.filter(is_active=True).values_list("slug", flat=True))
            raise _usage_error(f"unknown report template '{opts['slug']}' (known: {known or 'none'})")
        spec = template.published_version.spec
        raw = {}
        for item in opts["param"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise _usage_error(f"--param needs NAME=VALUE, got '{item}'")
            raw[name.strip()] = value
        try:
            form = ParameterForm(data=cli_form_data(spec.get("parameters", []), raw),
                                 spec_parameters=spec.get("parameters", []))
        except ValueError as exc:
            raise _usage_error(str(exc)) from None
        if not form.is_valid():
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            raise _usage_error(f"invalid parameters: {problems}")
        formats = [f.strip() for f in opts["format"].split(",")] if opts["format"] else None
        if formats:
            bad = [f for f in formats if f not in ("pdf", "xlsx")]
            if bad:
                raise _usage_error(f"unknown format(s): {', '.join(bad)} (known: pdf, xlsx)")
        user = None
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise _usage_error(f"unknown user '{opts['user']}'")
            # The job will be theirs to open and download: the template's groups apply as on the web.
            if not template_list_for_user(user=user).filter(pk=template.pk).exists():
                raise _usage_error(f"user '{user.get_username()}' may not run report template '{template.slug}'")
        try:
            job = job_create(template=template, user=user, parameters=form.parameters(), formats=formats,
                             use_cache=not opts["no_cache"], origin=ReportJob.Origin.CLI)
        except JobNotPublishable as exc:
            raise _usage_error(str(exc)) from None

        def dump(data):
            if opts["dump_data"]:
                Path(opts["dump_data"]).write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False))

        job = job_run(job=job, on_processed=dump)
        output = Path(opts["output"])
        output.mkdir(parents=True, exist_ok=True)
        paths = {}
        for artifact in job.artifacts.all():
            target = output / f"{template.slug}-{job.public_id}.{artifact.format}"
            with artifact.file.open("rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            paths[artifact.format] = str(target.resolve())
        stats = job.source_stats
        result = {
            "job": str(job.public_id),
            "status": job.status,
            "artifacts": paths,
            "timings": job.stage_timings,
            "sources": {
                "collected": [name for name, s in stats.items() if not s.get("error")],
                "failed": {m["name"]: m["reason"] for m in job.missing_sources},
            },
            "cache": {
                "hits": sum(1 for s in stats.values() if s.get("cache") == "hit"),
                "misses": sum(1 for s in stats.values() if s.get("cache") != "hit"),
            },
        }
        if job.error_message:
            result["error"] = job.error_message
        if opts["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Job {job.public_id}: {job.status}")
            if job.error_message:
                self.stdout.write(f"  {job.error_message}")
            for name, reason in result["sources"]["failed"].items():
                self.stdout.write(f"  missing source {name}: {reason}")
            for fmt, path in paths.items():
                self.stdout.write(f"  {fmt}: {path}")
        if job.status == ReportJob.Status.FAILED:
            raise CommandError("report failed", returncode=1)
