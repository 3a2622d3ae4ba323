"""The orders app's tables."""

from django.db import models  # noqa: F401
