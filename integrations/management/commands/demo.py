from django.core.management.base import BaseCommand

from integrations.services.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo shop (once) and print its login."

    def handle(self, *args, **options):
        merchant, email, password = demo_load()
        self.stdout.write(f"Demo shop: {merchant.name}\n  login:    {email}\n  password: {password}")
