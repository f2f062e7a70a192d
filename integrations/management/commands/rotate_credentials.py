from django.core.management.base import BaseCommand

from integrations.services.credentials import credentials_rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every stored credential under the newest key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        count = credentials_rotate_all()
        message = f"Re-encrypted the secrets of {count} connection(s) under the newest key."
        self.stdout.write(self.style.SUCCESS(message))
