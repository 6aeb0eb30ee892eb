from django import template

from nicat.access import predicates

register = template.Library()


@register.simple_tag(takes_context=True)
def hotline_nav(context):
    """{"desk": the user works at a hotline, "alerts": they see alerts, "open": open alerts they see}."""
    user = context.get("user")
    if not user or not user.is_authenticated:
        return {}
    from nicat.hotline.selectors import alerts_for

    desk = predicates.is_hotline_staff(user)
    alerts = desk or predicates.is_duty_service(user)
    return {"desk": desk, "alerts": alerts,
            "open": alerts_for(user=user, open_only=True).count() if alerts else 0}
