import signal
import threading
from typing import Any

from django.core.management.base import CommandError, CommandParser
from prometheus_client import start_http_server

from shop.platform.commands import ShopCommand
from shop.platform.management.commands.run_worker import port, positive_float, positive_int
from shop.platform.rpc.server import PortUnavailable, served_contracts, start_server
from shop.platform.telemetry.tracing import setup_tracing


def listen_port(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 65535:
        raise ValueError(value)
    return number


class Command(ShopCommand):
    help = (
        "Serve this process's contracts (the apps bound in-process here) over gRPC, with "
        "the gRPC health service and reflection. On SIGTERM or SIGINT, health turns "
        "NOT_SERVING and calls in flight finish before the server stops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=listen_port,
            required=True,
            metavar="N",
            help="Port to listen on (0: any free port, printed when serving).",
        )
        parser.add_argument(
            "--host", default="0.0.0.0", help="Address to listen on (default 0.0.0.0)."
        )
        parser.add_argument(
            "--workers",
            type=positive_int,
            default=16,
            metavar="N",
            help="Calls served at once (threads; default 16).",
        )
        parser.add_argument(
            "--grace",
            type=positive_float,
            default=10.0,
            metavar="S",
            help="Seconds calls in flight may take to finish on shutdown (default 10).",
        )
        parser.add_argument(
            "--metrics-port",
            type=port,
            default=0,
            metavar="P",
            help="Serve this process's Prometheus metrics on port P (default: not served).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not served_contracts():
            raise CommandError(
                "no contract is served in this process: every contract is bound to a remote "
                "service (unset its *_SERVICE_URL to serve it here)"
            )
        setup_tracing()
        if options["metrics_port"]:
            try:
                start_http_server(options["metrics_port"])
            except OSError as exc:
                raise CommandError(
                    f"cannot serve metrics on port {options['metrics_port']}: {exc}"
                ) from exc
        try:
            running = start_server(
                host=options["host"], port=options["port"], workers=options["workers"]
            )
        except PortUnavailable as exc:
            raise CommandError(str(exc)) from exc
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(
            f"serving {', '.join(running.services)} over gRPC on {options['host']}:{running.port}"
        )
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            running.stop(options["grace"])
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("gRPC server stopped")
