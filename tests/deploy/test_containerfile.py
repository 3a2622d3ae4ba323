"""The image's recipe: base images cannot be pulled here, so the file itself is checked."""

import fnmatch
import os
import re
from pathlib import PurePosixPath

import pytest

from tests.deploy.manifests import OVERLAYS, ROOT, containers, workloads

CONTAINERFILE = ROOT / "Containerfile"
PINNED_BASE = re.compile(r"^[^:@\s]+:(?!latest\b)[\w.-]*\d[\w.-]*(@sha256:[0-9a-f]{64})?$")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|CREDENTIAL|API_KEY|_KEY\b", re.IGNORECASE)
COMPILERS = re.compile(r"\b(gcc|g\+\+|clang|build-essential|make|cc|libpq-dev|python3-dev)\b")


def instructions():
    """(instruction, arguments) per line, continuations joined, comments dropped."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def stages():
    """The instructions of each stage, in order."""
    found = []
    for instruction, arguments in instructions():
        if instruction == "FROM":
            found.append([])
        if found:
            found[-1].append((instruction, arguments))
    return found


def test_it_builds_in_two_stages_from_pinned_base_images():
    bases = [
        arguments.split()[0] for instruction, arguments in instructions() if instruction == "FROM"
    ]

    assert len(bases) == 2
    for base in bases:
        assert PINNED_BASE.match(base), base


def test_the_dependencies_are_the_lock_installed_frozen_without_development_tools():
    runs = [arguments for instruction, arguments in stages()[0] if instruction == "RUN"]
    syncs = [run for run in runs if "uv sync" in run]

    assert syncs
    for sync in syncs:
        assert "--frozen" in sync.split()
        assert "--no-dev" in sync.split()
    assert "uv.lock" in " ".join(arguments for _, arguments in stages()[0])


def test_the_final_stage_runs_as_a_non_root_user_without_compilers():
    final = stages()[-1]
    users = [arguments for instruction, arguments in final if instruction == "USER"]

    assert users, "the final stage sets no USER: it would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    for instruction, arguments in final:
        if instruction == "RUN":
            assert not COMPILERS.search(arguments), arguments
    assert any(
        instruction == "COPY" and arguments.startswith("--from=builder")
        for instruction, arguments in final
    )


def test_nothing_is_fetched_by_url_nor_any_secret_baked_in():
    for instruction, arguments in instructions():
        assert instruction != "ADD", "COPY local files; nothing is downloaded by ADD"
        if instruction in {"ENV", "ARG", "LABEL"}:
            names = re.findall(r"(\w+)=", arguments) or [arguments.split()[0]]
            assert not [name for name in names if SECRET_NAME.search(name)], arguments


def test_the_version_is_a_build_argument_and_the_web_is_the_default_command():
    final = stages()[-1]

    assert ("ARG", 'SHOP_VERSION=""') in final
    assert any(
        instruction == "ENV" and "SHOP_VERSION=${SHOP_VERSION}" in arguments
        for instruction, arguments in final
    )
    assert final[-1] == ("CMD", '["/opt/shop/deploy/web/run"]')
    for command in ("deploy/web/run", "deploy/worker/run"):
        assert os.access(ROOT / command, os.X_OK), command


def ignore_patterns(name):
    return [
        line.strip()
        for line in (ROOT / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_docker_and_podman_ignore_the_same_files():
    assert (ROOT / ".dockerignore").read_text() == (ROOT / ".containerignore").read_text()


@pytest.mark.parametrize("path", [".git", ".venv", "var", ".env", ".env.production", "tests"])
def test_local_state_and_secrets_stay_out_of_the_image(path):
    assert any(fnmatch.fnmatch(path, pattern) for pattern in ignore_patterns(".containerignore"))


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "pyproject.toml",
        "uv.lock",
        "shop",
        "contracts",
        "deploy/web/run",
        "deploy/worker/run",
    ],
)
def test_what_the_processes_need_goes_into_the_image(path):
    patterns = ignore_patterns(".containerignore")

    assert (ROOT / path).exists()
    assert not any(fnmatch.fnmatch(path, pattern) for pattern in patterns), path


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_manifest_command_exists_in_the_image(overlay):
    final = stages()[-1]
    (workdir,) = [arguments for instruction, arguments in final if instruction == "WORKDIR"]
    environment = " ".join(arguments for instruction, arguments in final if instruction == "ENV")

    assert f"PATH={workdir}/.venv/bin:" in environment  # `python` is the locked virtualenv's
    for workload in workloads(overlay):
        for item in containers(workload):
            program, *arguments = item["command"]
            if program == "python":
                assert (ROOT / arguments[0]).is_file(), arguments
                continue
            path = PurePosixPath(program)
            assert path.is_relative_to(workdir), program
            assert os.access(ROOT / path.relative_to(workdir), os.X_OK), program
