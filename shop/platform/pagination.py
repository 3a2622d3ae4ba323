"""Cursor pagination for every list: ``?limit=``, the next page's URL in ``next``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class CursorPage(CursorPagination):
    """Stable under concurrent inserts; views set ``ordering`` (newest first by default).

    ``?limit=`` must be a whole number of at least 1, else ``400`` naming the field
    ``limit``; a limit above ``max_page_size`` is clamped to it (the page says how many
    it holds, and a client asking for "everything" still gets an answer). A ``?cursor=``
    that is not one this API handed out is a ``400`` naming the field ``cursor`` (DRF
    would answer ``404``, as if the list did not exist).
    """

    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100
    ordering = "-created_at"

    def get_page_size(self, request: Request) -> int:
        """The validated ``?limit=`` (clamped to ``max_page_size``), or ``page_size``."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only: int() would also take " 5", "1_0" and other scripts' digits.
        digits = raw.lstrip("0") if raw.isascii() and raw.isdigit() else ""
        if not digits:
            raise ValidationError(
                {self.page_size_query_param: ["Must be a whole number of at least 1."]}
            )
        # Compared by length first: int() refuses strings of thousands of digits.
        if len(digits) > len(str(self.max_page_size)):
            return self.max_page_size
        return min(int(digits), self.max_page_size)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise self._invalid_cursor() from None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError):
            # A well-formed cursor whose position the ordering field cannot take
            # (a date that is none): the database refuses it, the client sent it.
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise self._invalid_cursor() from None

    def _invalid_cursor(self) -> ValidationError:
        return ValidationError(
            {self.cursor_query_param: ["Not a cursor of this list; follow the next link."]}
        )
