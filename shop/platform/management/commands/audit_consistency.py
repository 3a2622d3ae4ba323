import time
from typing import Any

from django.core.management.base import CommandError

from shop.platform.audit import Discrepancy, run_audit
from shop.platform.commands import ShopCommand

# A progress line at most this often per check, and at its end.
PROGRESS_EVERY_SECONDS = 2.0


class Command(ShopCommand):
    help = (
        "Check that the installed apps' data agree across their databases (the checks each "
        "app brings). "
        "Prints each discrepancy and exits 1 when there is any."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        last_shown: dict[str, float] = {}

        def report(discrepancy: Discrepancy) -> None:
            self.stdout.write(str(discrepancy))

        def progress(check: str, done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last_shown.get(check, 0.0) < PROGRESS_EVERY_SECONDS:
                return
            last_shown[check] = now
            self.stderr.write(f"{check}: {done}/{total}")

        run = run_audit(report=report, progress=progress)
        if run.discrepancies:
            raise CommandError(
                f"{run.discrepancies} discrepancies found by {len(run.checks)} checks."
            )
        self.stdout.write(self.style.SUCCESS(f"No discrepancy found by {len(run.checks)} checks."))
