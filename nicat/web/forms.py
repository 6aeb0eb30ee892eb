"""Bootstrap rendering for every form: one field template, widget classes set once."""
from django import forms
from django.forms.renderers import DjangoTemplates


class NicatFormRenderer(DjangoTemplates):
    field_template_name = "web/forms/field.html"

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
