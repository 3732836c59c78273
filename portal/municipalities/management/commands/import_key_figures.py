from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portal.municipalities import figure_readers
from portal.municipalities.key_figure_plan import preview_lines
from portal.municipalities.services import KeyFigureImportReport, key_figures_import


def add_import_arguments(parser) -> None:
    parser.add_argument(
        "--structure",
        type=int,
        metavar="YEAR",
        help="the table's regions are numbered as on 1 January YEAR (e.g. 2024); "
        "earlier years are mapped through the crosswalk",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the preview only, write nothing"
    )


def report_result(command: BaseCommand, report: KeyFigureImportReport, what: str) -> None:
    """Print the preview (or the errors) and say what was written; CommandError on errors."""
    if not report.ok:
        for error in report.errors:
            command.stderr.write(str(error))
        if report.error_count > len(report.errors):
            command.stderr.write(f"… and {report.error_count - len(report.errors)} more.")
        raise CommandError(f"{report.error_count} error(s) in {what}; nothing was written.")
    assert report.plan is not None
    for line in preview_lines(report.plan):
        command.stdout.write(line)
    verb = "Would import" if report.dry_run else "Imported"
    command.stdout.write(
        f"{verb}: {report.created} new, {report.updated} changed, {report.unchanged} unchanged."
    )


class Command(BaseCommand):
    help = (
        "Import key figures from a file: the portal's CSV, an SSB table (JSON-stat 2.0 or CSV) "
        "or IMDi's settlement table. Prints a preview; nothing is written with --dry-run or "
        "if any row is wrong. See docs/key-figures.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format",
            choices=[figure_readers.AUTO, *figure_readers.FORMATS],
            default=figure_readers.AUTO,
            help="the file's format (default: told from the content)",
        )
        add_import_arguments(parser)

    def handle(self, *args, file: Path, format: str, structure, dry_run: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        with translation.override("en"):
            report = key_figures_import(
                actor=None,
                content=content,
                source=f"import_key_figures {file.name}",
                file_name=file.name,
                format=format,
                structure=structure,
                dry_run=dry_run,
            )
            report_result(self, report, str(file))
