"""The environment the manifests give the processes is one the application starts with."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.deploy.manifests import OVERLAYS, ROOT, container, environment, of_kind

RUN_DIR = "/run/shop"  # an emptyDir in the pods


def web_environment(overlay, web, run_dir):
    """The web container's environment, its Secrets' values and emptyDirs stood in for."""
    database = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop")
    stand_ins = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PAYMENTS_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(16)}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    env = {}
    for name, value in environment(overlay, web).items():
        if isinstance(value, str):
            env[name] = value.replace(RUN_DIR, str(run_dir))
        elif name.endswith("DATABASE_URL"):
            env[name] = database
        else:
            env[name] = stand_ins[name]
    return env


@pytest.mark.parametrize(
    ("overlay", "deployment"),
    [
        (overlay, deployment["metadata"]["name"])
        for overlay in OVERLAYS
        for deployment in of_kind(overlay, "Deployment")
        if deployment["metadata"]["labels"]["app.kubernetes.io/component"] == "web"
    ],
)
def test_the_web_passes_the_start_up_checks_with_the_manifests_settings(
    overlay, deployment, tmp_path
):
    (web,) = [
        item for item in of_kind(overlay, "Deployment") if item["metadata"]["name"] == deployment
    ]
    env = web_environment(overlay, container(web, "web"), tmp_path)
    # deploy/web/run makes the metrics directory before the application starts.
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
