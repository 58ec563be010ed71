from django.core.management.base import BaseCommand

from demo.loader import demo_seed


class Command(BaseCommand):
    help = "Load the demo data sources, templates and logins (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", help="Base URL of the demo API (default: DEMO_API_BASE_URL).")

    def handle(self, *args, base_url=None, **options):
        logins = demo_seed(base_url=base_url)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for login in logins:
            role = "staff" if login.is_staff else "viewer"
            self.stdout.write(f"  demo login ({role}): {login.username} / {login.password}")
