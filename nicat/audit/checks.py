"""System checks: production needs an audit signing key outside the database."""
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=True)
def signing_key_configured(app_configs=None, **kwargs):
    from nicat.audit.checkpoints import signing_key

    try:
        key = signing_key(required=False)
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="nicat_audit.E002")]
    if key is None and not getattr(settings, "NICAT_DEV", False):
        return [checks.Error(
            "No audit signing key: audit checkpoints cannot be signed.",
            hint="Set NICAT_AUDIT_SIGNING_KEY or NICAT_AUDIT_SIGNING_KEY_FILE (see docs/audit.md).",
            id="nicat_audit.E001")]
    return []
