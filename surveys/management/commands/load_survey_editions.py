from django.core.management.base import BaseCommand

from surveys.demo import load_shipped_editions


class Command(BaseCommand):
    help = "Import the shipped survey editions (2014 and 2017 closed, the current year's demo open). Idempotent."

    def handle(self, *args, **options):
        for line in load_shipped_editions():
            self.stdout.write(line)
