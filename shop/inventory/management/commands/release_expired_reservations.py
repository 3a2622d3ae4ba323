from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from shop.inventory import services
from shop.platform.commands import ShopCommand


class Command(ShopCommand):
    help = (
        "Release every stock reservation past its expiry now, giving its units back "
        "(the worker does this on a schedule). Safe to run alongside workers."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=100,
            help="Reservations released per transaction (default 100).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = 0
        while handled := services.release_expired_reservations(batch_size=batch_size):
            total += handled
            self.stdout.write(f"released {handled} expired reservations ({total} so far)")
        self.stdout.write(self.style.SUCCESS(f"Released {total} expired reservations."))
