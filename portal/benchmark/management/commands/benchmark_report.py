"""python manage.py benchmark_report MUNICIPALITY_NUMBER YEAR --out FILE.pdf

Writes the same PDF the portal offers for download: the stored report if nothing it reads has
changed, otherwise a new one, made here and stored for the portal too.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.benchmark import services
from portal.municipalities.models import Municipality


class Command(BaseCommand):
    help = "Write an organisation's benchmark report for a year as a PDF (or CSV with --csv)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="municipality number (4 digits) or city district (6)")
        parser.add_argument("year", type=int)
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument(
            "--language",
            choices=services.REPORT_LANGUAGES,
            help="nb, nn or en (default: the organisation's written standard)",
        )
        parser.add_argument("--csv", action="store_true", help="write the numbers as CSV")

    def handle(self, *args, number, year, out, language, csv, **options):
        municipality = (
            Municipality.objects.select_related("region", "county")
            .filter(number=number, valid_to__isnull=True)
            .first()
        )
        if municipality is None:
            raise CommandError(
                f"No current municipality or city district has the number {number!r}."
            )
        try:
            report = services.report_make_now(
                actor=None,
                municipality=municipality,
                year=year,
                language=language or municipality.language,
            )
        except services.ReportRequestInvalid as error:
            raise CommandError(str(error)) from error
        if not report.is_ready:
            raise CommandError(f"The report could not be made: {report.error or report.status}")
        path = Path(out)
        if not path.parent.exists():
            raise CommandError(f"The folder {path.parent} does not exist.")
        if csv:
            path.write_bytes(("\ufeff" + report.csv).encode("utf-8"))
        else:
            path.write_bytes(bytes(report.pdf))
        self.stdout.write(f"{report.identifier}: wrote {path} ({path.stat().st_size} bytes)")
