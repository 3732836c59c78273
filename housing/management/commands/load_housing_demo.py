from django.core.management.base import BaseCommand

from housing.demo import load_housing_demo


class Command(BaseCommand):
    help = (
        "Give Kristiansand (4204), Bergen (4601) and Gamle Oslo (030101) a demo housing and "
        "service profile. Idempotent: a municipality that already has a profile is left alone."
    )

    def handle(self, *args, **options):
        for line in load_housing_demo():
            self.stdout.write(line)
