from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ConcurrentEdit(ValidationError):
    """The record was changed by someone else since it was loaded."""

    def __init__(self):
        super().__init__(
            _("This record was changed by someone else after you opened it. Reload the page, check their "
              "changes and make yours again."),
            code="concurrent_edit",
        )


class NotAllowed(Exception):
    """The acting user may not do this (answered as 404 or 403 by the edges)."""
