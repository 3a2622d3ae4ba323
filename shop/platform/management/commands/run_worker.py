import signal
import threading
from typing import Any

from django.core.management.base import CommandError, CommandParser
from prometheus_client import start_http_server

from shop.platform.commands import ShopCommand
from shop.platform.worker import PassReport, Worker


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(text)
    return value


def port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError(value)
    return port


class Command(ShopCommand):
    help = (
        "Deliver every app's outbox to the subscribers and run the periodic jobs; with "
        "EVENTS_BROKER set, also publish every outbox message to the broker and apply the "
        "events of apps served by other processes. "
        "Several workers may run at once. Stops after the current batch on SIGTERM or SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run a single pass (deliveries and due jobs)."
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=100,
            metavar="N",
            help="Messages taken from each outbox per pass (default 100).",
        )
        parser.add_argument(
            "--poll-interval",
            type=positive_float,
            default=1.0,
            metavar="S",
            help="Seconds to wait after a pass that found nothing to deliver (default 1).",
        )

        parser.add_argument(
            "--metrics-port",
            type=port,
            default=0,
            metavar="P",
            help="Serve this worker's Prometheus metrics on port P (default: not served).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            worker = Worker(batch_size=options["batch_size"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        passes = 0

        def report(result: PassReport) -> None:
            nonlocal passes
            passes += 1
            if not result.idle or options["verbosity"] > 1 or options["once"]:
                self.stdout.write(f"pass {passes}: {result.summary()}")

        if options["once"]:
            try:
                report(worker.run_pass())
            finally:
                worker.close()
            return

        if options["metrics_port"]:
            try:
                start_http_server(options["metrics_port"])
            except OSError as exc:
                port = options["metrics_port"]
                raise CommandError(f"cannot serve metrics on port {port}: {exc}") from exc
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        consuming = ", ".join(f"{c.group} <- {' '.join(c.topics)}" for c in worker.consumers)
        self.stdout.write(
            f"worker {worker.identity} started: {len(worker.aliases)} outboxes, "
            f"{len(worker.jobs)} periodic jobs" + (f"; consuming {consuming}" if consuming else "")
        )
        try:
            worker.run_forever(poll_interval=options["poll_interval"], stop=stop, on_pass=report)
        finally:
            worker.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(f"worker {worker.identity} stopped after {passes} passes")
