"""Cursor pagination for every list: ``?limit=``, the next page's URL in ``next``."""

from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    """Stable under concurrent inserts; views set ``ordering`` (newest first by default)."""

    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100
    ordering = "-created_at"
