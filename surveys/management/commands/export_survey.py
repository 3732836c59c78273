from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.editions.definition import to_yaml
from surveys.editions.workbook import WorkbookError, definition_to_workbook
from surveys.models import SurveyEdition


class Command(BaseCommand):
    help = (
        "Write a survey edition's definition as YAML (to standard output, or -o FILE) or as an "
        "Excel workbook (--format xlsx -o FILE). See docs/survey-editor.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("-o", "--out", type=Path, help="the file to write")
        parser.add_argument(
            "--format",
            choices=["yaml", "xlsx"],
            default=None,
            help="yaml (the default) or xlsx; without it, a FILE ending in .xlsx is a workbook",
        )

    def handle(self, *args, year: int, out: Path | None, format: str | None, **options):
        edition = SurveyEdition.objects.filter(year=year).first()
        if edition is None:
            raise CommandError(f"There is no {year} edition.")
        if format is None:
            format = "xlsx" if out is not None and out.suffix.lower() == ".xlsx" else "yaml"
        if format == "xlsx":
            if out is None:
                raise CommandError("An Excel workbook is written to a file: add -o FILE.xlsx.")
            try:
                content = definition_to_workbook(edition.definition)
            except WorkbookError as exc:
                raise CommandError("; ".join(exc.errors)) from None
            out.write_bytes(content)
            self.stderr.write(f"Wrote {out}.")
            return
        text = to_yaml(edition.definition)
        if out is None:
            self.stdout.write(text, ending="")
        else:
            out.write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {out}.")
