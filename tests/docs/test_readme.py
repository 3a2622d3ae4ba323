"""The README's commands run on a fresh Debian with the repository checked out."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

# What a fresh Debian has (coreutils, python3) or the README itself asks for (make, curl),
# and what the repository brings.
AVAILABLE = {"make", "curl", "python3", "export", "cd", ".venv/bin/python"}


ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, re.DOTALL)


def programs(block: str) -> set[str]:
    """The program each command line, and each ``$(...)`` inside one, runs."""
    joined = block.replace("\\\n", " ")
    found = set()
    for line in joined.splitlines():
        line = line.split("#", 1)[0].strip()
        # Leading ``NAME=value`` words set the command's environment; the program follows.
        words = [word for word in shlex.split(line) if not ASSIGNMENT.match(word)] if line else []
        if words:
            found.add(words[0])
    found.update(match.split()[0] for match in re.findall(r"\$\(([^)]*)\)", joined))
    return found


def test_every_program_the_readme_runs_is_on_a_fresh_machine():
    used = set().union(*(programs(block) for block in shell_blocks(README.read_text())))

    assert used - AVAILABLE == set()


def test_a_command_with_environment_assignments_names_its_program():
    assert programs("SHOP_APPS=orders X_URL=grpc://h:1 \\\n  .venv/bin/python manage.py run") == {
        ".venv/bin/python"
    }
