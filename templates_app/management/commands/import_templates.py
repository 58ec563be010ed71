import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from templates_app.bundle import BundleInvalid, bundle_import, bundle_max_bytes, bundle_too_large_message
from templates_app.validation import JsonRefused, json_parse


class Command(BaseCommand):
    help = ("Import a template bundle. Everything is validated first; if any part is invalid nothing changes. "
            "Without --user the import runs with the server operator's full rights (whoever can run this command "
            "can already change the database); with --user USERNAME that user's permissions apply, as in the admin.")

    def add_arguments(self, parser):
        parser.add_argument("bundle", metavar="BUNDLE.json")
        parser.add_argument("--user", metavar="USERNAME",
                            help="Apply this user's permissions (creating or changing data sources needs the "
                                 "data-source add/change permission) and record them as the versions' author.")

    def handle(self, *args, bundle, user=None, **options):
        author = None
        if user:
            author = get_user_model().objects.filter(username=user, is_active=True).first()
            if author is None:
                raise CommandError(f"No active user is called '{user}'.")
        try:
            # Refuse a huge file before reading it into memory.
            size = os.stat(bundle).st_size
            if size > bundle_max_bytes():
                raise CommandError(bundle_too_large_message(bundle, size, bundle_max_bytes()))
            with open(bundle, encoding="utf-8") as fh:
                payload = json_parse(fh.read(), what=bundle)
        except OSError as exc:
            raise CommandError(f"Cannot read {bundle}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{bundle} is not valid JSON: it is not UTF-8 text.") from None
        except JsonRefused as exc:  # not JSON, nested too deep for the parser, a number of thousands of digits
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Importing with the permissions of user '{author.username}'." if author
                          else "Importing with the server operator's full rights (no --user given).")
        try:
            summary = bundle_import(bundle=payload, author=author, as_operator=author is None)
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
