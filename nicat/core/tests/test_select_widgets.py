"""Nicat's selects write their options in Python (core.forms.OptionsWrittenOnce) instead of two templates per
option: the HTML must stay Django's, character for character — the browser tests, the searchable boxes
(Tom Select) and the accessibility checks read it."""
import datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from nicat.core.forms import Select, SelectMultiple

CHOICES = [
    ("", "---------"),
    ("az", "Azərbaycan"),
    ("x<y", 'Quotes " and <b>tags</b> & ampersands'),
    (7, 1234567),
    ("safe", mark_safe("<i>already safe</i>")),
    ("lazy", gettext_lazy("Remove")),
    ("Group one", [("g1", "First"), ("g2", datetime.date(2026, 12, 7))]),
    ("when", datetime.date(2026, 1, 2)),
]


@pytest.mark.parametrize("value", [None, "", "az", "x<y", 7, "g2", ["az", "g1"], ("az",), "not-a-choice"])
@pytest.mark.parametrize("attrs", [None, {"data-searchable": "", "required": True, "disabled": False,
                                          "data-placeholder": 'Type "here" <now>', "size": 6}])
@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_select_writes_what_djangos_writes(value, attrs, language):
    with override(language):
        for ours, djangos in ((Select, forms.Select), (SelectMultiple, forms.SelectMultiple)):
            shown = value if ours is SelectMultiple or not isinstance(value, (list, tuple)) else value[0]
            mine = ours(attrs=attrs, choices=CHOICES).render("field", shown, attrs={"id": "id_field"})
            theirs = djangos(attrs=attrs, choices=CHOICES).render("field", shown, attrs={"id": "id_field"})
            assert mine == theirs


def test_a_vocabulary_field_renders_as_django_rendered_it(cast):
    """A real form's country list (250 terms, searchable) and a short list, as a page shows them."""
    from nicat.vocab.forms import TermChoiceField, TermMultipleChoiceField
    from nicat.vocab.models import Term

    class Form(forms.Form):
        country = TermChoiceField("country", required=False)
        act = TermChoiceField("act")
        languages = TermMultipleChoiceField("language")

    country = Term.objects.of("country").last()
    data = {"country": str(country.pk), "act": "", "languages": [str(Term.objects.of("language").first().pk)]}
    mine, theirs = Form(data=data), Form(data=data)  # each form holds its own copies of the fields
    for name in ("country", "act", "languages"):
        widget = theirs.fields[name].widget
        plain = forms.SelectMultiple if name == "languages" else forms.Select
        assert isinstance(widget, plain) and type(widget) is not plain
        theirs.fields[name].widget = plain(attrs=dict(widget.attrs), choices=widget.choices)
        assert type(mine.fields[name].widget) is not plain
        assert str(mine[name]) == str(theirs[name])
    assert f'<option value="{country.pk}" selected>' in str(mine["country"])
    assert str(mine["country"]).count("<option") == Term.objects.of("country").count() + 1
