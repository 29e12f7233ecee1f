"""Pagination of the API: cursor pages (stable under inserts), a made-up cursor is a 400."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class Pagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # a cursor the client made up is bad input, not a missing page
            raise ValidationError({self.cursor_query_param: [exc.detail]}) from exc
