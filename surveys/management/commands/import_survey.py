from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.editions.definition import DefinitionError, parse_definition
from surveys.editions.services import (
    _earlier_question,
    check_workbook,
    edition_import,
    edition_import_workbook,
)
from surveys.editions.workbook import WorkbookError, is_workbook


class Command(BaseCommand):
    help = (
        "Import a survey definition (YAML or JSON, or an Excel workbook) as a draft edition. "
        "See docs/survey-format.md and docs/survey-editor.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="only check the document; write nothing"
        )

    def handle(self, *args, file: Path, check: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        workbook = is_workbook(content, file.name)
        source = f"import_survey {file.name}"
        try:
            if check:
                definition = (
                    check_workbook(content)
                    if workbook
                    else parse_definition(content, earlier_question=_earlier_question)
                )
                count = sum(len(s["questions"]) for s in definition["sections"])
                self.stdout.write(
                    f"{file}: valid ({definition['year']}, {len(definition['sections'])} sections, {count} questions)."
                )
                return
            if workbook:
                edition = edition_import_workbook(actor=None, content=content, source=source)
            else:
                edition = edition_import(actor=None, content=content, source=source)
        except (DefinitionError, WorkbookError) as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(
                f"{len(exc.errors)} problem(s) in {file}; nothing was written."
            ) from None
        self.stdout.write(
            f"Imported the {edition.year} edition ({edition.questions.count()} questions) as {edition.get_status_display().lower()}."
        )
