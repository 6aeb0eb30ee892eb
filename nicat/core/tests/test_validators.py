"""The shared input rules (nicat/core/validators.py): one plausible date range, no control or
direction characters, text limits — on forms, API fields and models alike."""
import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

from nicat.core import validators


@pytest.mark.parametrize("value", [datetime.date(1, 1, 1), datetime.date(1753, 1, 1), datetime.date(1899, 12, 31),
                                   datetime.date(9999, 12, 31), datetime.datetime(1753, 1, 1, 10, 0)])
def test_implausible_dates_are_refused(value):
    with pytest.raises(ValidationError) as info:
        validators.plausible_date(value)
    assert "1900" in info.value.messages[0]


def test_the_range_is_1900_to_today_plus_the_years_ahead(settings):
    settings.NICAT_MAX_YEARS_AHEAD = 20
    validators.plausible_date(datetime.date(1900, 1, 1))
    validators.plausible_date(timezone.localdate().replace(year=timezone.localdate().year + 19))
    with pytest.raises(ValidationError):
        validators.plausible_date(timezone.localdate().replace(year=timezone.localdate().year + 21))
    with pytest.raises(ValidationError):
        validators.not_in_future(timezone.localdate() + datetime.timedelta(days=1))


@pytest.mark.parametrize("text", ["Ali\u202e", "\u2067Ali", "A\u0000", "A\u001b[31m", "A\u0085B"])
def test_control_and_direction_characters_are_refused(text):
    with pytest.raises(ValidationError):
        validators.plain_text(text)


def test_line_breaks_are_text_but_not_a_name():
    validators.plain_text("one\r\ntwo\tthree")
    with pytest.raises(ValidationError):
        validators.single_line("Əli\nyeva")
    validators.single_line("Əliyeva Günel Мамедова")


def test_every_form_and_api_date_field_gets_the_rule():
    class F(forms.Form):
        day = forms.DateField()
        moment = forms.DateTimeField()
        text = forms.CharField()

    form = F({"day": "0001-01-01", "moment": "1753-01-01 10:00", "text": "x\u202ey"})
    assert not form.is_valid() and set(form.errors) == {"day", "moment", "text"}

    class S(serializers.Serializer):
        day = serializers.DateField()
        moment = serializers.DateTimeField()

    s = S(data={"day": "9999-01-01", "moment": "0001-01-01T00:00:00"})
    assert not s.is_valid() and set(s.errors) == {"day", "moment"}


def test_a_model_is_checked_before_it_is_saved_whoever_saves_it(cast):
    from nicat.cases.services import open_case

    with pytest.raises(ValidationError) as info:
        open_case(actor=cast.worker, person_data={"given_name": "Gün\u202eel"}, case_data={"summary": "s" * 20_001})
    assert {"given_name"} <= set(info.value.message_dict)
    from nicat.persons.models import Person

    assert not Person.objects.system().exists()
    with pytest.raises(ValidationError) as info:
        open_case(actor=cast.worker, person_data={"given_name": "Günel"}, case_data={"summary": "s" * 20_001})
    assert "summary" in info.value.message_dict and "20000" in info.value.message_dict["summary"][0]
