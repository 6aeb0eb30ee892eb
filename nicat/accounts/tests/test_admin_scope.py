"""Administrators manage staff and institutions in the Django admin but never reach case content:
no protected model, inline or search path leads there, and the admin needs two factors like any page."""
from django.contrib import admin
from django.db import models
from django.urls import reverse

from nicat.access.scoping import ScopedManager
from nicat.privacy.fields import EncryptedMixin
from tests.support.world import verified_login


def is_protected(model):
    if isinstance(model._meta.default_manager, ScopedManager):
        return True
    if any(isinstance(f, EncryptedMixin) for f in model._meta.concrete_fields):
        return True
    return any(f.is_relation and f.related_model is not None and f.many_to_one
               and isinstance(f.related_model._meta.default_manager, ScopedManager)
               for f in model._meta.concrete_fields)


def lookup_models(model, path):
    """Models a `a__b__c` lookup passes through."""
    seen = []
    for part in path.lstrip("^=@").split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:
            break
        if not field.is_relation or field.related_model is None:
            break
        model = field.related_model
        seen.append(model)
    return seen


def test_no_admin_page_reaches_a_protected_model():
    for model, model_admin in admin.site._registry.items():
        assert not is_protected(model), f"{model._meta.label} holds case content and must not be in the admin"
        for inline in model_admin.inlines:
            assert not is_protected(inline.model), f"inline {inline.model._meta.label} on {model._meta.label}"
        paths = list(model_admin.search_fields or []) + [
            f if isinstance(f, str) else f[0] for f in (model_admin.list_filter or []) if not isinstance(f, type)]
        paths += [f for f in (model_admin.list_display or []) if isinstance(f, str)]
        for path in paths:
            for related in lookup_models(model, path):
                assert not is_protected(related), f"{model._meta.label}: {path} reaches {related._meta.label}"
        # No reverse relation of a registered model is a protected model shown through autocomplete.
        for field in model._meta.get_fields():
            if isinstance(field, (models.ManyToManyField,)) and field.related_model is not None:
                assert not is_protected(field.related_model), f"{model._meta.label}.{field.name}"


def test_administrator_sees_no_case_content(client, cast):
    case = cast.open_case(person={"given_name": "Xalidə", "family_name": "Qurbanova"})
    verified_login(client, cast.admin)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(url, {"q": "Qurbanova"})
        assert page.status_code == 200, url
        assert "Xalidə" not in page.content.decode(), url  # searched by family name, never shown
    assert client.get(f"/admin/cases/case/{case.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/persons/person/").status_code == 404


def test_authenticator_secrets_are_not_in_the_admin():
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
