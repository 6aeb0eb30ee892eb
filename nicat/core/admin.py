"""What every app's Django admin shares: a service's refusal shown on the form, never a 500.

The admin's saves go through the apps' services (ARCHITECTURE.md rule 1), and a service refuses with a
`ValidationError` — a value it does not accept, or `ConcurrentEdit` when someone else saved the record after
the form was opened. Raised inside `save_model` / `save_related`, Django's admin does not catch it: a 500,
after the form had been accepted. `ServiceAdmin` catches it, rolls the save back whole (Django's admin saves
in one transaction) and shows the same form again with the service's reason on it, as any form error: the
form is validated a second time with the refusal added (through `get_form`, so an admin that overrides
`get_form` calls `super().get_form`). A `NotAllowed` from the service is a 403. Its relation fields refuse a key
that cannot be looked up (a word or 1e309 where an id belongs) as an invalid choice, where Django's own raised in
the middle of a query (`nicat.core.forms`).
"""
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from nicat.core.errors import NotAllowed
from nicat.core.forms import ModelChoiceField, ModelMultipleChoiceField
from nicat.core.services import edit_stamp

_REFUSAL = "_nicat_admin_refusal"


def add_refusal(form, error):
    """Put a service's `ValidationError` on `form`: on the field it names when the form shows that field,
    else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if shown else None, errors)
    else:
        form.add_error(None, error)


class ServiceAdmin:
    """Mix into a ModelAdmin (first, before admin.ModelAdmin) whose saves call a service.

    `edit_stamped = True`, for a model without a version column: the change form carries the stamp of the
    record it showed (`edit_stamp`, hidden), which the admin hands to its service to compare with the stored
    record under its lock (`nicat.core.services.check_stamp`) — two administrators on the same record never
    overwrite each other's change silently."""

    edit_stamped = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except NotAllowed as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except ValidationError as refusal:
            if request.method != "POST" or getattr(request, _REFUSAL, None) is not None:
                raise
            # the save was rolled back whole; the same form again, with the reason on it
            setattr(request, _REFUSAL, refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelChoiceField)  # a key that cannot be looked up is refused, not a 500
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self.edit_stamped:
            base = kwargs.get("form", self.form)  # type: ignore[attr-defined]
            stamp = edit_stamp(obj) if obj is not None and obj.pk is not None else ""

            class StampedForm(base):
                edit_stamp = forms.CharField(widget=forms.HiddenInput, required=False, initial=stamp)

            StampedForm.__name__ = base.__name__
            kwargs["form"] = StampedForm
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        refusal = getattr(request, _REFUSAL, None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                data = super().clean()
                add_refusal(self, refusal)
                return data

        RefusedForm.__name__ = form.__name__
        return RefusedForm
