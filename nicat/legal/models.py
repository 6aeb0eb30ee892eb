"""Legal parameters as data: each value with the act it comes from and the date from which it applies.

A new value of a figure is a new row with a later `valid_from`; the value in force on a day is the
row with the latest `valid_from` not after that day. Rows are changed only through
nicat.legal.services (which audits every change); nothing here holds personal data.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.legal.parameters import BY_CODE, CHOICES


class LegalParameter(models.Model):
    code = models.CharField(_("parameter"), max_length=60, choices=CHOICES)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    valid_from = models.DateField(_("applies from"),
                                  help_text=_("Rights arising on or after this day use this value."))
    legal_act = models.CharField(_("legal act"), max_length=300,
                                 help_text=_("The act that sets the value: its title, number and date."))
    source = models.TextField(_("source"), blank=True, default="",
                              help_text=_("Where the value was found (the publication, the article), and what is "
                                          "still to check."))
    confirmed = models.BooleanField(_("confirmed by the source"), default=False,
                                    help_text=_("Tick only when the named source confirms the value: the legal act "
                                                "itself, or an official report that states it."))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "-valid_from"]
        verbose_name = _("legal parameter")
        verbose_name_plural = _("legal parameters")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="legal_parameter_one_value_per_day"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="legal_parameter_not_negative"),
        ]

    def __str__(self):
        return f"{self.label} = {self.display_value} ({self.valid_from.isoformat()})"

    @property
    def spec(self):
        return BY_CODE.get(self.code)

    @property
    def label(self):
        return self.spec.label if self.spec else self.code

    @property
    def typed_value(self):
        """The value as the code expects it: int for days, hours, months and counts; Decimal for money."""
        return int(self.value) if self.spec is None or self.spec.integer else self.value

    @property
    def display_value(self):
        from nicat.legal.parameters import UNITS

        unit = UNITS.get(self.spec.unit, "") if self.spec else ""
        return f"{self.typed_value} {unit}".strip()
