from typing import Any
from uuid import UUID

from django.core.management.base import CommandError, CommandParser

from shop.orders import reconciliation
from shop.platform.commands import ShopCommand


class Command(ShopCommand):
    help = (
        "Settle now the orders stuck 'pending' past the deadline or left mid-operation: "
        "confirm those whose stock and payment are both held, compensate the others."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=500, help="Most orders to settle in this run."
        )

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        if limit < 1:
            raise CommandError("--limit must be a positive number.")

        def progress(index: int, total: int, order_id: UUID, outcome: str) -> None:
            self.stdout.write(f"[{index}/{total}] order {order_id}: {outcome}")

        outcomes = reconciliation.reconcile_orders(limit=limit, progress=progress)
        if not outcomes:
            self.stdout.write("No order needs settling.")
            return
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        self.stdout.write(self.style.SUCCESS(f"Settled {sum(outcomes.values())}: {summary}."))
