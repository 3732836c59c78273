from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.editions.definition import to_yaml
from surveys.models import SurveyEdition


class Command(BaseCommand):
    help = "Write a survey edition's definition as YAML (to standard output, or --out FILE)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--out", type=Path)

    def handle(self, *args, year: int, out: Path | None, **options):
        edition = SurveyEdition.objects.filter(year=year).first()
        if edition is None:
            raise CommandError(f"There is no {year} edition.")
        text = to_yaml(edition.definition)
        if out is None:
            self.stdout.write(text, ending="")
        else:
            out.write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {out}.")
