"""View decorators over the access policy."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from nicat.access import policy


def requires(check):
    """Signed-in users for whom `check(user)` holds; 403 for the others."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Pages for staff who work on cases (analysts and administrators are refused).
case_worker_required = requires(policy.can_work_on_cases)
