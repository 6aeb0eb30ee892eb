"""`{% submission_token %}`: the one-time token of a form that creates a record (nicat.core.submissions) — a
hidden field with a fresh random value, put next to `{% csrf_token %}`. A builtin of every template."""
from django import template
from django.utils.html import format_html

from nicat.core import submissions

register = template.Library()


@register.simple_tag
def submission_token():
    return format_html('<input type="hidden" name="{}" value="{}">', submissions.FIELD, submissions.new_token())
