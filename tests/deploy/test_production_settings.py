"""The environment the manifests give the web is one the application starts with, and
answers the kubelet's probes and Prometheus' scrapes but no unknown host."""

import json
import os
import secrets
import subprocess
import sys

import pytest

from tests.deploy.manifests import OVERLAYS, ROOT, container, environment, expand, of_kind

RUN_DIR = "/run/shop"  # an emptyDir in the pods
POD_IP = "10.1.2.3"

# Django as the web container starts it: its checks, then requests with various Hosts.
START_UP = """
import json, sys
import django
from django.core.management import call_command
from django.test import Client

django.setup()
call_command("check", deploy=True, fail_level="ERROR")
client = Client()
answers = {host: client.get("/healthz", HTTP_HOST=host).status_code for host in sys.argv[1:]}
print(json.dumps(answers))
"""


def web_environment(overlay, web, run_dir):
    """The web container's environment, its run-time values stood in for."""
    database = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop")
    stand_ins = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PAYMENTS_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(16)}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "POD_IP": POD_IP,
    }
    env = {}
    for name, value in environment(overlay, web).items():
        if isinstance(value, str):
            env[name] = value.replace(RUN_DIR, str(run_dir))
        elif name.endswith("DATABASE_URL"):
            env[name] = database
        else:
            env[name] = stand_ins[name]
    return {name: expand(value, env) for name, value in env.items()}


@pytest.mark.parametrize(
    ("overlay", "deployment"),
    [
        (overlay, deployment["metadata"]["name"])
        for overlay in OVERLAYS
        for deployment in of_kind(overlay, "Deployment")
        if deployment["metadata"]["labels"]["app.kubernetes.io/component"] == "web"
    ],
)
def test_the_web_starts_with_the_manifests_settings_and_answers_probes_and_scrapes(
    overlay, deployment, tmp_path
):
    (web,) = [
        item for item in of_kind(overlay, "Deployment") if item["metadata"]["name"] == deployment
    ]
    env = web_environment(overlay, container(web, "web"), tmp_path)
    # deploy/web/run makes the metrics directory before the application starts.
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
    hosts = ["localhost", f"{POD_IP}:8000", "shop.example.com", "attacker.example"]

    result = subprocess.run(
        [sys.executable, "-c", START_UP, *hosts],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "shop.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "localhost": 200,  # the kubelet's probes
        f"{POD_IP}:8000": 200,  # Prometheus
        "shop.example.com": 200,
        "attacker.example": 400,
    }
