"""Fixtures of the observability tests (``spans`` is suite-wide, in tests/conftest.py)."""

import io
import logging

import pytest


@pytest.fixture
def log_lines():
    """What the project's configured console handler writes during the test, as lines."""
    handler = logging.getHandlerByName("console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield lambda: buffer.getvalue().splitlines()
    handler.setStream(previous)
