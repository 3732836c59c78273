from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from surveys.demo import load_demo_answers


class Command(BaseCommand):
    help = "Illustrative answers to the demo edition (DEBUG only), so follow-up and analysis pages have data."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo answers are only loaded when DEBUG is on.")
        created = load_demo_answers()
        self.stdout.write(
            f"Demo answers: {created} organisations." if created else "Demo answers: already there."
        )
