from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.municipalities.models import Region
from surveys.analysis import exports
from surveys.models import SurveyEdition


class Command(BaseCommand):
    help = (
        "Write an edition's answers as a data file: CSV (a ZIP with data.csv and codebook.csv) "
        "or XLSX, long (one row per answer) or wide (one row per organisation)."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--format", dest="fmt", choices=exports.FORMATS, default="xlsx")
        parser.add_argument("--shape", choices=exports.SHAPES, default="wide")
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--region", help="only this IMDi region (its code, e.g. sor)")
        parser.add_argument(
            "--include-unsubmitted",
            action="store_true",
            help="also responses in progress or returned for correction",
        )

    def handle(
        self,
        *args,
        year: int,
        fmt: str,
        shape: str,
        out: Path,
        region: str | None,
        include_unsubmitted: bool,
        **options,
    ):
        edition = SurveyEdition.objects.filter(year=year).first()
        if edition is None:
            known = ", ".join(str(y) for y in SurveyEdition.objects.values_list("year", flat=True))
            raise CommandError(f"There is no {year} edition (editions: {known or 'none'}).")
        region_obj = None
        if region is not None:
            region_obj = Region.objects.filter(code=region).first()
            if region_obj is None:
                known = ", ".join(Region.objects.values_list("code", flat=True))
                raise CommandError(f"There is no region '{region}' (regions: {known or 'none'}).")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        source = exports.export_source(
            edition, region=region_obj, include_unsubmitted=include_unsubmitted
        )
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as handle:
                rows = exports.write_export(source, fmt=fmt, shape=shape, out=handle)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        self.stderr.write(f"Wrote {out}: {rows} rows ({shape}, {fmt}).")
