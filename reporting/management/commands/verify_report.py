"""manage.py verify_report FILE: where a report file came from and whether it is as it was made.

Exit code 0 only when its bytes match a recorded file, every digital signature is valid and
trusted, and nothing was added after the last one; 1 when it was changed or a signature fails;
2 when no report on record has these bytes; 3 when the file cannot be read."""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from reporting.services.report_verify import NotAReportFile, report_verify, verify_lines


class Command(BaseCommand):
    help = "Verify a report PDF or XLSX against the record: job, version, bytes, signatures, approvals."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the PDF or XLSX file to check")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
            result = report_verify(data=data)
        except (OSError, NotAReportFile) as exc:
            self.stderr.write(f"{path}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
            sys.exit(3)
        for line in verify_lines(result):
            self.stdout.write(line)
        if result.exit_code:
            sys.exit(result.exit_code)
