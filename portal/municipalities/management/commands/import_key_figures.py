from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.municipalities.services import key_figures_import


class Command(BaseCommand):
    help = (
        "Import key figures from a CSV file (one row per municipality per year). "
        "Nothing is written if any row is wrong. See docs/key-figures.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        report = key_figures_import(
            actor=None, content=content, source=f"import_key_figures {file.name}", dry_run=dry_run
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            if report.error_count > len(report.errors):
                self.stderr.write(f"… and {report.error_count - len(report.errors)} more.")
            raise CommandError(f"{report.error_count} error(s) in {file}; nothing was written.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb}: {report.created} new, {report.updated} changed, {report.unchanged} unchanged."
        )
