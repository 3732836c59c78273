from django.core.management.base import BaseCommand

from portal.municipalities.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load regions, counties, municipalities 2013–2024 with their code history, and Oslo's districts."

    def handle(self, *args, **options):
        result = load_reference_data()
        self.stdout.write(f"Reference data: {result.created} created, {result.updated} updated.")
