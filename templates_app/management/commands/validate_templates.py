"""Validate templates and test-render each from its sample data; exit 1 when any is broken.

    python manage.py validate_templates [SLUG ...] [--live] [--no-render] [--seed-demo]

Checks the published version of each template (the latest version when none is published).
``--seed-demo`` runs against a throw-away database (migrated, demo content loaded, dropped at the
end) so CI can check the demo templates without a prepared database.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from templates_app.models import ReportTemplate
from templates_app.selectors import UnknownTemplates, template_list_by_slugs, template_version_current
from templates_app.sample_render import template_version_sample_render


class Command(BaseCommand):
    help = "Validate report templates and test-render them; exits 1 when any template is invalid."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Templates to check (default: all).")
        parser.add_argument("--live", action="store_true", help="Also render from the real sources.")
        parser.add_argument("--no-render", action="store_true", help="Validate only; skip the test render.")
        parser.add_argument("--seed-demo", action="store_true",
                            help="Use a throw-away database holding just the demo content.")

    def handle(self, *args, slugs, live, no_render, seed_demo, **options):
        if seed_demo:
            with _throwaway_demo_database():
                failed = self._check_all(slugs, live=live, render=not no_render)
        else:
            failed = self._check_all(slugs, live=live, render=not no_render)
        if failed:
            raise SystemExit(1)

    def _check_all(self, slugs: list[str], *, live: bool, render: bool) -> int:
        try:
            templates = template_list_by_slugs(slugs=slugs)
        except UnknownTemplates as exc:
            raise CommandError(str(exc)) from None
        failed = 0
        for template in templates:
            failed += not self._check(template, live=live, render=render)
        total = templates.count()
        summary = f"{total - failed} of {total} template(s) valid."
        self.stdout.write(self.style.SUCCESS(summary) if not failed else self.style.ERROR(summary))
        return failed

    def _check(self, template: ReportTemplate, *, live: bool, render: bool) -> bool:
        version = template_version_current(template=template)
        if version is None:
            self.stdout.write(f"{template.slug}: /: the template has no version [no_version]")
            return False
        label = f"{template.slug} v{version.number}"
        runs = [False] + ([True] if live else [])
        ok = True
        for is_live in runs:
            if not render and not is_live:
                from templates_app.selectors import template_version_problems

                problems, errors, files, notes = template_version_problems(version=version), [], {}, []
            else:
                result = template_version_sample_render(version=version, live=is_live)
                problems, errors, files = result.problems, result.errors, result.files
                notes = [f"missing source: {n}" for n in result.missing_sources]
            if not is_live:
                for problem in problems:
                    self.stdout.write(f"{label}: {problem}")
            mode = "live" if is_live else "sample"
            for error in errors:
                self.stdout.write(f"{label}: {mode} render: {error}")
            for note in notes:
                self.stdout.write(f"{label}: {mode} render: {note}")
            ok = ok and not problems and not errors
            if files:
                sizes = ", ".join(f"{fmt} {len(f.content):,} bytes" for fmt, f in files.items())
                self.stdout.write(f"{label}: {mode} render ok ({sizes})")
        if not version.sample_data:
            self.stdout.write(f"{label}: note: no sample data; data paths were not checked and sections render as "
                              "'No data'")
        self.stdout.write(f"{label}: {'OK' if ok else 'INVALID'}")
        return ok


class _throwaway_demo_database:
    """The default database swapped for a fresh one holding the demo content, dropped on exit."""

    def __enter__(self):
        from django.apps import apps

        if not apps.is_installed("demo"):
            raise CommandError("--seed-demo needs the demo app, which these settings do not install "
                               "(config.settings.local and config.settings.test do).")
        from demo.loader import demo_seed

        self.connection = connections["default"]
        self.tmpdir = tempfile.TemporaryDirectory(prefix="qms-validate-")
        test_settings = self.connection.settings_dict.setdefault("TEST", {})
        self.saved_test_name = test_settings.get("NAME")
        test_settings["NAME"] = (str(Path(self.tmpdir.name) / "templates.sqlite3")
                                 if self.connection.vendor == "sqlite" else f"qms_validate_templates_{os.getpid()}")
        self.old_name = self.connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        demo_seed()
        return self

    def __exit__(self, *exc):
        self.connection.creation.destroy_test_db(self.old_name, verbosity=0)
        self.connection.settings_dict["TEST"]["NAME"] = self.saved_test_name
        self.tmpdir.cleanup()
        return False
