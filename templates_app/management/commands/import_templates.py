import json

from django.core.management.base import BaseCommand, CommandError

from templates_app.bundle import BundleInvalid, bundle_import


class Command(BaseCommand):
    help = "Import a template bundle. Everything is validated first; if any part is invalid nothing changes."

    def add_arguments(self, parser):
        parser.add_argument("bundle", metavar="BUNDLE.json")

    def handle(self, *args, bundle, **options):
        try:
            with open(bundle, encoding="utf-8") as fh:
                payload = json.load(fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {bundle}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{bundle} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        try:
            summary = bundle_import(bundle=payload)
        except BundleInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Nothing was imported: {len(exc.problems)} problem(s) in {bundle}.") from None
        for label, names in (("data sources created", summary.sources_created),
                             ("data sources updated", summary.sources_updated),
                             ("templates created", summary.templates_created),
                             ("templates updated", summary.templates_updated),
                             ("groups created", summary.groups_created)):
            if names:
                self.stdout.write(f"{label}: {', '.join(names)}")
        self.stdout.write(self.style.SUCCESS("Import complete."))
