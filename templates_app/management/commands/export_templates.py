import json

from django.core.management.base import BaseCommand, CommandError

from templates_app.bundle import bundle_export
from templates_app.selectors import UnknownTemplates, template_list_by_slugs


class Command(BaseCommand):
    help = ("Write templates (published spec, sample data, groups) and their data sources as one JSON bundle. "
            "Runs with the server operator's full rights; secrets stay references (${env:NAME}), never values.")

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Templates to export (default: all).")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, slugs, output=None, **options):
        try:
            templates = template_list_by_slugs(slugs=slugs)
        except UnknownTemplates as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(bundle_export(templates=templates), indent=2, ensure_ascii=False) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            count = templates.count()
            self.stderr.write(f"Exported {count} template(s) to {output}")
        else:
            self.stdout.write(text, ending="")
