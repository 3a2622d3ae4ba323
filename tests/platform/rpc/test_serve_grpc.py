"""``manage.py serve_grpc``: what an operator and an orchestrator rely on."""

from __future__ import annotations

import socket
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.contracts.server import ROOT, GrpcServerProcess

pytestmark = pytest.mark.slow

SERVICES = {
    "shop.inventory.v1.InventoryService",
    "shop.orders.v1.OrdersService",
    "shop.payments.v1.PaymentsService",
}


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_help_names_the_options():
    result = manage("serve_grpc", "--help")

    assert result.returncode == 0
    assert "--port N" in result.stdout
    assert "SIGTERM" in result.stdout


def test_a_bad_port_is_refused_in_one_line():
    result = manage("serve_grpc", "--port", "70000")

    assert result.returncode != 0
    assert "argument --port: invalid" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taken_port_is_refused_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = manage("serve_grpc", "--host", "127.0.0.1", "--port", str(port))

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"CommandError: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
    assert "Traceback" not in result.stderr


def test_serves_every_contract_with_health_and_reflection_and_stops_on_sigterm():
    server = GrpcServerProcess().start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            statuses = {
                name: health.Check(health_pb2.HealthCheckRequest(service=name), timeout=10).status
                for name in ("", *SERVICES)
            }
            reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
            answers = reflection.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
            )
            listed = {s.name for answer in answers for s in answer.list_services_response.service}
    finally:
        exit_code = server.stop()

    assert set(statuses.values()) == {health_pb2.HealthCheckResponse.SERVING}
    assert listed >= SERVICES
    assert "grpc.health.v1.Health" in listed
    assert exit_code == 0
    assert server.output[-1].strip() == "gRPC server stopped"
