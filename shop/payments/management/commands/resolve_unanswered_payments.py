"""Settle payments whose provider call went unanswered, by asking the provider."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from shop.payments import services
from shop.platform.commands import ShopCommand


class Command(ShopCommand):
    help = (
        "Ask the payment provider about calls it did not answer (by idempotency key) and "
        "settle those payments. The worker runs this every minute."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=100,
            help="Settle at most this many payments (default 100).",
        )

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        if limit < 1:
            raise CommandError("--limit must be a positive integer.")

        def report(resolution: services.Resolution) -> None:
            payment = resolution.payment
            state = payment.status if resolution.settled else "still unanswered"
            self.stdout.write(f"order {payment.order_id}: {state}")

        settled = services.resolve_unanswered_payments(limit=limit, progress=report)
        self.stdout.write(self.style.SUCCESS(f"Settled {settled} payment(s)."))
