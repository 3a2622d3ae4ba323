"""JSON log lines that carry the request id and the current trace and span ids."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
"""The id of the request being served by this thread or task; set by the middleware."""

JSON_LOG_FIELDS = (
    "%(levelname)s %(name)s %(message)s %(module)s %(request_id)s %(trace_id)s %(span_id)s"
)


class RequestContextFilter(logging.Filter):
    """Add ``request_id``, ``trace_id`` and ``span_id`` to every record (``None`` outside).

    Django logs some lines (``django.request``) after the middleware has returned; those
    records carry the request itself, whose id is taken from it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id.get()
        if request_id is None:
            request_id = getattr(getattr(record, "request", None), "request_id", None)
        record.request_id = request_id
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = trace.format_trace_id(context.trace_id)
            record.span_id = trace.format_span_id(context.span_id)
        else:
            record.trace_id = record.span_id = None
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message,
    module, request_id, trace_id, span_id, and whatever ``extra`` a caller passed."""
    return JsonFormatter(
        JSON_LOG_FIELDS,
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        # The request object Django attaches to its own records is not data.
        reserved_attrs=[*RESERVED_ATTRS, "request"],
    )
