from nicat.access import policy


def nicat(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "nicat_memberships": policy.memberships(user),
        "nicat_can_work_on_cases": policy.can_work_on_cases(user),
    }
