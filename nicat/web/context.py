from nicat.access import policy


def nicat(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "nicat_memberships": policy.memberships(user),
        "nicat_can_work_on_cases": policy.can_work_on_cases(user),
    }


def language(request):
    """`nicat_language_next`: where the language switch on this page lands (nicat.web.language)."""
    from nicat.web.language import next_for

    return {"nicat_language_next": next_for(request)}
