from django.core.management.base import BaseCommand

from portal.benchmark import services


class Command(BaseCommand):
    help = (
        "Create the standard peer configuration (version 1, active) if there is none. Idempotent."
    )

    def handle(self, *args, **options):
        config, created = services.peer_config_ensure_default(actor=None)
        self.stdout.write(
            f"Peer configuration {config}: {'created' if created else 'already there'}."
        )
