"""The person's view of a measure taken on a basis other than her consent (a security measure decided by the
authorised body, an appearance the court requires — a procedural duty): never taken without asking her, and her
wishes recorded beside it, encrypted. One set of choices, form fields and rule for every such measure
(nicat.safety's security measures, nicat.proceedings' appearances)."""
from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class PersonView(models.TextChoices):
    """What the person thinks of a measure that may be lawful without her consent. It is never taken without
    asking her, and her wishes are recorded beside it."""
    AGREES = "agrees", gettext_lazy("The person agrees to it")
    OBJECTS = "objects", gettext_lazy("The person objects to it")
    NOT_ASKED = "not_asked", gettext_lazy("The person could not be asked")


def view_field(help_text):
    return forms.ChoiceField(label=gettext_lazy("What the person thinks of it"), choices=PersonView.choices,
                             widget=forms.RadioSelect, help_text=help_text)


def wishes_field(help_text):
    return forms.CharField(label=gettext_lazy("The person's wishes"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text=help_text)


def check_view(errors, view, wishes, *, required=True, view_message=None, wishes_message=None):
    """The one rule: her view is recorded (agrees, objects, could not be asked); when she objects or could not be
    asked, her wishes (or why she could not be asked) are written down. Adds to `errors`; returns the view."""
    view = view or ""
    if view not in PersonView.values and (required or view):
        errors["person_view"] = view_message or _("Record what the person thinks of it: she agrees, she objects, "
                                                  "or she could not be asked.")
    elif view in (PersonView.OBJECTS, PersonView.NOT_ASKED) and not (wishes or "").strip():
        errors["person_wishes"] = wishes_message or _("Write down the person's wishes: what she objects to and what "
                                                      "she would accept — or why she could not be asked.")
    return view
