"""The audit trail as the layers below the domain apps reach it without importing `audit` (accounts:
sign-in, tokens, passwords; privacy: key rotation; access: break-glass, restriction orders).
`record(**kwargs)` is `nicat.audit.services.record` and `diff(...)` is `nicat.audit.services.diff`,
registered by AuditConfig.ready(): same arguments, same transaction, same event. Without a registered
trail `record` refuses loudly: an action is never performed unaudited."""
from django.core.exceptions import ImproperlyConfigured

_trail: dict = {}


def register(*, record, diff):
    _trail.update(record=record, diff=diff)


def _get(name):
    try:
        return _trail[name]
    except KeyError:
        raise ImproperlyConfigured("No audit trail is registered (is nicat.audit in INSTALLED_APPS?).") from None


def record(**kwargs):
    return _get("record")(**kwargs)


def diff(model_instance_or_class, before, after):
    return _get("diff")(model_instance_or_class, before, after)
