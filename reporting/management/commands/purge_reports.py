"""Delete finished report jobs and their files older than the retention period."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reporting.services.retention import retention_purge
from templates_app.sample_render import sample_renders_sweep


class Command(BaseCommand):
    help = ("Delete finished jobs (and their files) older than REPORTING_RETENTION_DAYS, never a running job, "
            "a schedule's last delivered report or an approved one; also expired admin test renders.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="keep this many days (default: REPORTING_RETENTION_DAYS)")
        parser.add_argument("--dry-run", action="store_true", help="print what would be deleted, delete nothing")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.REPORTING_RETENTION_DAYS if days is None else days
        if days <= 0:
            raise CommandError("Retention is off: set REPORTING_RETENTION_DAYS or pass --days N (N above 0).")
        result = retention_purge(days=days, dry_run=dry_run)
        renders = sample_renders_sweep(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {len(result.jobs)} job(s) and {result.files} file(s) finished before "
                          f"{result.cutoff:%Y-%m-%d %H:%M} UTC ({days} days); {len(renders)} expired test render(s).")
        for item in result.jobs:
            ended = f"{item.finished_at:%Y-%m-%d}" if item.finished_at else "never started"
            self.stdout.write(f"  {item.public_id} {item.template} {item.status} {ended}")
            for name in item.files:
                self.stdout.write(f"    {name}")
        if result.skipped:
            self.stdout.write(f"Left alone: {result.skipped} job(s) run again meanwhile.")
