"""Bootstrap rendering for every form: one field template, widget classes set once."""
from django import forms
from django.db import models
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe

# Widgets a person types into: what is typed there is never kept by the browser's form history.
TYPED_INPUTS = {"text", "email", "tel", "url", "search", "number", "date", "datetime-local", "time", "month", "week"}


class NicatFormRenderer(DjangoTemplates):
    field_template_name = "core/forms/field.html"

    def render(self, template_name, context, request=None):
        field = context.get("field")
        if field is not None and hasattr(field, "field"):
            _style_widget(field.field.widget, bool(field.errors))
        widget = context.get("widget")
        if isinstance(widget, dict) and isinstance(widget.get("attrs"), dict) and (
                widget.get("type") in TYPED_INPUTS or template_name.endswith("/textarea.html")):
            _not_remembered(widget)
        return super().render(template_name, context, request)


def _not_remembered(widget):
    """`autocomplete="off"` on a field a person types into (law 1): a browser keeps what was typed in a field and
    offers it again in any field of that name — a victim's name, phone or document number to the next person at
    a shared computer, or on another site. A widget that says what it holds keeps its own hint (the sign-in's
    one-time code)."""
    widget["attrs"] = {**widget["attrs"], "autocomplete": widget["attrs"].get("autocomplete") or "off"}


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


class OptionsWrittenOnce:
    """A select whose options are written in Python, in one pass, rather than by two templates per option: Django's
    select renders each `<option>` through an include of `select_option.html`, which includes `attrs.html` — for a
    list of 250 countries 500 template renders, the largest part of the case page's CPU after its queries. The
    HTML is the same, character for character (nicat/core/tests/test_select_widgets.py compares it with Django's own
    for selected, empty, grouped, multiple and escaped choices)."""

    template_name = "core/widgets/select.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["options_html"] = options_html(context["widget"]["optgroups"])
        return context


_AS_TEMPLATES_DO = Context(autoescape=True)  # render_value_in_context: localized, escaped, as {{ value }}


def _shown(value):
    return render_value_in_context(value, _AS_TEMPLATES_DO)


def _attrs_html(attrs):
    """django/forms/widgets/attrs.html, written out."""
    return "".join(f" {_shown(name)}" + ("" if value is True else f'="{_shown("%s" % (value,))}"')
                   for name, value in attrs.items() if value is not False)


def options_html(optgroups):
    """django/forms/widgets/select.html's loop and select_option.html, written out (the same whitespace)."""
    parts = []
    for group_name, group_choices, _index in optgroups:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            parts.append(f'\n  <option value="{_shown("%s" % (option["value"],))}"{_attrs_html(option["attrs"])}>'
                         f'{_shown(option["label"])}</option>\n')  # select_option.html ends with a newline
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # every value above went through the templates' escaping


class Select(OptionsWrittenOnce, forms.Select):
    pass


class SelectMultiple(OptionsWrittenOnce, forms.SelectMultiple):
    pass


def _key_field(choice_field):
    """The model field a choice field's values are keys of (its `to_field_name`, else the primary key)."""
    meta = choice_field.queryset.model._meta
    return meta.get_field(choice_field.to_field_name) if choice_field.to_field_name else meta.pk


def _comparable(key_field, value):
    """Whether `value` can be compared with `key_field` in a query: a value of that field and, for an integer,
    one a 64-bit column holds. Past that SQLite raises OverflowError and a word where a number belongs a
    ValueError — in the middle of a query, a 500 instead of "not a valid choice"."""
    try:
        python = key_field.to_python(str(value).strip())
    except (forms.ValidationError, TypeError, ValueError):
        return False
    return not isinstance(key_field, models.IntegerField) or -2**63 <= python < 2**63


class ModelChoiceField(forms.ModelChoiceField):
    """Django's field, whose value shown back on a refused form keeps only a key that can be looked up: the
    admin's autocomplete widget looks the shown value up, and crashed on a word or 1e309 where an id belongs."""

    def bound_data(self, data, initial):
        if self.disabled or data in self.empty_values or _comparable(_key_field(self), data):
            return super().bound_data(data, initial)  # a disabled field shows its initial, as Django's
        return None


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, whose check of the chosen ids also refuses, as an invalid value, an id no database
    column holds (an integer beyond 64 bits: SQLite raised OverflowError on it, a 500), and whose values shown
    back on a refused form keep only keys that can be looked up (as `ModelChoiceField`)."""

    def _check_values(self, value):
        key_field = _key_field(self)
        for pk in value:
            if not _comparable(key_field, pk):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": pk})
        return super()._check_values(value)

    def bound_data(self, data, initial):
        if self.disabled or not isinstance(data, (list, tuple)):
            return super().bound_data(data, initial)  # a disabled field shows its initial, as Django's
        key_field = _key_field(self)
        return [value for value in data if _comparable(key_field, value)]


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
