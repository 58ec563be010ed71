from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.loader import demo_seed


class Command(BaseCommand):
    help = "Load the demo data sources, templates and logins (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", help="Base URL of the demo API (default: DEMO_API_BASE_URL).")
        parser.add_argument("--force", action="store_true",
                            help="load the demo under production settings too (it creates a staff login "
                                 "with a published password)")

    def handle(self, *args, base_url=None, force=False, **options):
        if getattr(settings, "PRODUCTION", False) and not force:
            # The demo logins' passwords are in the README: never on a production site by accident.
            raise CommandError("seed_demo refuses to run under production settings: it creates the staff login "
                               "demo / demo-password. Pass --force to load it anyway (a demo site).")
        logins = demo_seed(base_url=base_url)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for login in logins:
            role = "staff" if login.is_staff else "viewer"
            self.stdout.write(f"  demo login ({role}): {login.username} / {login.password}")
