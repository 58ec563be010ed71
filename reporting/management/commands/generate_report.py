import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting.models import ReportJob
from reporting.selectors import job_summary
from reporting.services.job_generate import GenerateRefused, job_generate
from templates_app.parameters import quoted_value

# Exit code of a request that cannot run as given (nothing recorded).
REFUSED = 2


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
        try:
            self._generate(opts)
        except GenerateRefused as exc:
            if opts["json"]:
                # --json promises one JSON object on stdout, refusals included.
                self.stdout.write(json.dumps({"error": str(exc), "exit_code": REFUSED}))
            raise CommandError(str(exc), returncode=REFUSED) from None

    def _generate(self, opts):
        raw = {}
        for item in opts["param"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise GenerateRefused(f"--param needs NAME=VALUE, got '{quoted_value(item)}'")
            raw[name.strip()] = value
        report = job_generate(
            slug=opts["slug"], raw_parameters=raw, username=opts["user"], use_cache=not opts["no_cache"],
            formats=[f.strip() for f in opts["format"].split(",")] if opts["format"] else None,
            output_dir=Path(opts["output"]), dump_data=Path(opts["dump_data"]) if opts["dump_data"] else None,
        )
        job, summary = report.job, job_summary(job=report.job, files=report.files)
        if opts["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(f"Job {job.public_id}: {job.status}")
            if job.error_message:
                self.stdout.write(f"  {job.error_message}")
            for name, reason in summary["sources"]["failed"].items():
                self.stdout.write(f"  missing source {name}: {reason}")
            for fmt, path in report.files.items():
                self.stdout.write(f"  {fmt}: {path}")
        if job.status == ReportJob.Status.FAILED:
            raise CommandError("report failed", returncode=1)
