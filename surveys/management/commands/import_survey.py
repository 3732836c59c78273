from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.editions.definition import DefinitionError, parse_definition
from surveys.editions.services import _earlier_question, edition_import


class Command(BaseCommand):
    help = (
        "Import a survey definition (YAML or JSON) as a draft edition. See docs/survey-format.md."
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
        try:
            if check:
                definition = parse_definition(content, earlier_question=_earlier_question)
                count = sum(len(s["questions"]) for s in definition["sections"])
                self.stdout.write(
                    f"{file}: valid ({definition['year']}, {len(definition['sections'])} sections, {count} questions)."
                )
                return
            edition = edition_import(
                actor=None, content=content, source=f"import_survey {file.name}"
            )
        except DefinitionError as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(
                f"{len(exc.errors)} problem(s) in {file}; nothing was written."
            ) from None
        self.stdout.write(
            f"Imported the {edition.year} edition ({edition.questions.count()} questions) as {edition.get_status_display().lower()}."
        )
