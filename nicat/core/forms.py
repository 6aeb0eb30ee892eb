"""Bootstrap rendering for every form: one field template, widget classes set once."""
from django import forms
from django.db import models
from django.forms.renderers import DjangoTemplates


class NicatFormRenderer(DjangoTemplates):
    field_template_name = "core/forms/field.html"

    def render(self, template_name, context, request=None):
        field = context.get("field")
        if field is not None and hasattr(field, "field"):
            _style_widget(field.field.widget, bool(field.errors))
        return super().render(template_name, context, request)


def _style_widget(widget, invalid):
    if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect, forms.HiddenInput)):
        return
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    classes = set(widget.attrs.get("class", "").split()) | {css}
    if invalid:
        classes.add("is-invalid")
        widget.attrs["aria-invalid"] = "true"
    widget.attrs["class"] = " ".join(sorted(classes))


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, whose check of the chosen ids also refuses, as an invalid value, an integer id no
    database column holds (beyond 64 bits: SQLite raised OverflowError on it, a 500)."""

    def _check_values(self, value):
        pk_field = self.queryset.model._meta.get_field(self.to_field_name) if self.to_field_name else \
            self.queryset.model._meta.pk
        if isinstance(pk_field, models.IntegerField):
            for pk in value:
                try:
                    number = int(str(pk).strip())
                except ValueError:
                    continue  # not a number: Django's own check says so
                if not -2**63 <= number < 2**63:
                    raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                                params={"pk": pk})
        return super()._check_values(value)


def apply_errors(form, error, also=None):
    """Put a service's ValidationError onto the fields it names — of `form`, or of `also` (a
    second form on the same page) — and whatever names no field onto `form` itself."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errs in error.error_dict.items():
        if also is not None and field in also.fields and field not in form.fields:
            also.add_error(field, errs)
        else:
            form.add_error(field if field in form.fields else None, errs)


def safe_next(request, default=""):
    """The `next` parameter (POST, then GET) when it is a path on this site ("/cases/…"), else `default`:
    never another host, scheme, or a protocol-relative or backslash trick."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if (target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target
            and url_has_allowed_host_and_scheme(target, allowed_hosts=None, require_https=False)):
        return target
    return default
