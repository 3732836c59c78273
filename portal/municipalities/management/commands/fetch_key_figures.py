import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from portal.municipalities import selectors, ssb_api
from portal.municipalities.management.commands.import_key_figures import (
    add_import_arguments,
    report_result,
)
from portal.municipalities.services import key_figures_import


class Command(BaseCommand):
    help = (
        "Fetch an SSB statistics bank table (07459 population, 09817 immigrant share) for every "
        "municipality from SSB's API as JSON-stat 2.0, print the preview, and import it "
        "(not with --dry-run). See docs/key-figures.md."
    )
    # Tests replace this with a fake that returns a sample reply.
    opener = staticmethod(ssb_api._urlopen)

    def add_arguments(self, parser):
        parser.add_argument("table", help="the table number, e.g. 07459")
        parser.add_argument(
            "--years", nargs="+", metavar="YEAR", help="the years to fetch (default: all)"
        )
        add_import_arguments(parser)

    def handle(self, *args, table: str, years, structure, dry_run: bool, **options):
        for year in years or []:
            if not (year.isdigit() and len(year) == 4):
                raise CommandError(f"“{year}” is not a year (such as 2024).")
        try:
            request = ssb_api.build_query(table, years)
            content = ssb_api.fetch_table(request, opener=type(self).opener)
        except ssb_api.SsbApiError as exc:
            raise CommandError(str(exc)) from None
        fetched = timezone.localdate().isoformat()
        # The query asks for the municipalities as numbered now, for every year.
        if structure is None:
            structure = selectors.current_structure_year()
        with translation.override("en"):
            report = key_figures_import(
                actor=None,
                content=content,
                source=f"fetch_key_figures {table}",
                file_name=f"SSB API {table}",
                format="ssb-jsonstat",
                structure=structure,
                dry_run=dry_run,
                fetched=fetched,
                today=dt.date.today(),  # noqa: DTZ011 - a calendar year, not an instant
            )
            report_result(self, report, f"SSB table {table}")
