"""Register an API client from the command line (the admin site does the same: docs/api.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.api.scopes import Scope
from portal.api.services import api_client_register
from portal.municipalities.models import Municipality, Region


class Command(BaseCommand):
    help = "Register a system that reads the API with tokens naming this organisation number."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--orgno", required=True, help="the consumer's organisation number")
        acts = parser.add_mutually_exclusive_group(required=True)
        acts.add_argument("--municipality", help="the number of the organisation it acts for")
        acts.add_argument("--directorate-role", choices=["admin", "adviser", "settlement"])
        parser.add_argument("--region", help="a regional adviser's region (its code)")
        parser.add_argument(
            "--scope", action="append", choices=Scope.values, help="repeat for several"
        )
        parser.add_argument("--rate-limit", type=int, default=120, help="requests per minute")

    def handle(self, *args, **options):
        municipality = region = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(
                number=options["municipality"], valid_to__isnull=True
            ).first()
            if municipality is None:
                raise CommandError(f"No current organisation {options['municipality']}.")
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"No region {options['region']!r}.")
        try:
            client = api_client_register(
                actor=None,
                name=options["name"],
                consumer_orgno=options["orgno"],
                municipality=municipality,
                directorate_role=options["directorate_role"] or "",
                region=region,
                scopes=options["scope"] or [Scope.READ.value],
                rate_limit_per_minute=options["rate_limit"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Registered {client} with scopes {' '.join(client.scopes)}.")
