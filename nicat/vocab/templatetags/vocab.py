"""Template filters of the vocabularies: a term's code, stored in a record, shown by its label."""
from django import template

from nicat.vocab.models import label_of

register = template.Library()


@register.filter
def term_label(code, vocabulary):
    """{{ d.type|term_label:"document_type" }}: "Паспорт", not "passport" (nicat.vocab.models.label_of)."""
    return label_of(vocabulary, code)
