from django.conf import settings
from django.core.management.base import BaseCommand

from portal.accounts.demo import DEMO_USERS, ensure_demo_users
from portal.municipalities.reference_data import load_demo_key_figures, load_reference_data


class Command(BaseCommand):
    help = (
        "Load reference data and demo key figures, and (with DEBUG on) the demo users. Idempotent."
    )

    def handle(self, *args, **options):
        ref = load_reference_data()
        figures = load_demo_key_figures()
        self.stdout.write(
            f"Reference data: {ref.created} created, {ref.updated} updated. "
            f"Key figures: {figures.created} created, {figures.updated} updated."
        )
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo users created.")
            return
        created = ensure_demo_users()
        self.stdout.write(
            f"Demo users ({len(DEMO_USERS)}, password '{settings.DEMO_PASSWORD}'): "
            + (", ".join(created) + " created." if created else "already there.")
        )
