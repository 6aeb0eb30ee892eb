"""Pages of API lists: `?page=N` (50 a page). A page that is not a positive whole number, or is
past the end, is a 404 "Invalid page." — `?page=` given empty too (DRF would take it as page 1,
which the documented integer parameter does not allow)."""
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param)
        if value is not None and not value.strip():
            raise NotFound(self.invalid_page_message.format(page_number=value, message=""))
        return super().get_page_number(request, paginator)
