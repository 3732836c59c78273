import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from portal.accounts.demo import DEMO_TOTP_SECRET, demo_totp_key


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of the demo directorate users (DEBUG only), and how "
        "many seconds it stays valid."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Only with DEBUG on: the demo users exist only then.")
        totp = TOTP(bytes.fromhex(demo_totp_key()))
        totp.time = time.time()
        left = 30 - int(totp.time) % 30
        self.stdout.write(
            f"{totp.token():06d}  (valid {left} s more; key {DEMO_TOTP_SECRET} for an "
            "authenticator app)"
        )
