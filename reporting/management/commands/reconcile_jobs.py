"""Fix report jobs whose queue entry was lost or whose worker died (safe to run at any time)."""
from django.core.management.base import BaseCommand

from reporting.reconcile import DEFAULT_GRACE_S, reconcile_jobs


class Command(BaseCommand):
    help = ("Check pending/queued/running report jobs against Redis: re-enqueue lost ones, retry or fail "
            "abandoned ones, record outcomes RQ knows but the database does not.")

    def add_arguments(self, parser):
        parser.add_argument("--grace-seconds", type=float, default=DEFAULT_GRACE_S,
                            help="leave jobs changed more recently than this alone (default %(default)s)")

    def handle(self, *args, grace_seconds: float, **options):
        report = reconcile_jobs(grace_s=grace_seconds)
        self.stdout.write(report.summary())
        for label, ids in (("re-enqueued", report.requeued), ("failed", report.failed),
                           ("cancelled", report.cancelled)):
            for public_id in ids:
                self.stdout.write(f"  {label}: {public_id}")
