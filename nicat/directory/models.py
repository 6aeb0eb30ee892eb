"""Institutions: where a victim can turn, and the special institutions that protect them."""
import uuid

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nicat.vocab.models import Term


class Institution(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("short code"), max_length=40, unique=True,
                            help_text=_("A stable short name, e.g. main-department."))
    name_az = models.CharField(_("name (Azerbaijani)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    kind = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind"),
                             limit_choices_to={"vocabulary": "institution_kind"})
    region = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                               verbose_name=_("region"), limit_choices_to={"vocabulary": "region"})
    country = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                verbose_name=_("country"), limit_choices_to={"vocabulary": "country"})
    address = models.CharField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    fax = models.CharField(_("fax"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    hours = models.CharField(_("opening hours"), max_length=255, blank=True)
    languages = models.ManyToManyField(Term, related_name="+", blank=True, verbose_name=_("languages"),
                                       limit_choices_to={"vocabulary": "language"})
    is_special_institution = models.BooleanField(
        _("special institution authorised by the executive authority"), default=False,
        help_text=_("Shelters and assistance centres established under the law on combating trafficking."))
    is_nonprofit = models.BooleanField(_("registered non-profit"), default=False)
    is_competent_authority = models.BooleanField(
        _("competent body for official identification"), default=False,
        help_text=_("The Main Department for Combating Trafficking in Human Beings."))
    listed_publicly = models.BooleanField(_("listed on the public page"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_az"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self):
        return self.name

    @property
    def name(self):
        lang = (get_language() or "az")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_az


class ServiceKind(models.TextChoices):
    """What an institution offers a victim. Every specialised service is free of charge (law Art. 12–17)."""

    SHELTER = "shelter", _("Shelter (temporary residence)")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    LEGAL = "legal", _("Legal assistance")
    EDUCATION = "education", _("Continuation of education")
    VOCATIONAL = "vocational", _("Vocational rehabilitation")
    EMPLOYMENT = "employment", _("Employment")
    HOUSING = "housing", _("Living space")
    INTERPRETATION = "interpretation", _("Interpretation")
    RETURN = "return", _("Return and reintegration")
    IDENTIFICATION = "identification", _("Identification of victims")
    INVESTIGATION = "investigation", _("Criminal investigation")


# Services only a special institution authorised by the executive authority may provide (law Arts 12–17).
AUTHORISED_ONLY_SERVICES = frozenset({ServiceKind.SHELTER})
# Services only the competent body or law enforcement provides.
STATE_ONLY_SERVICES = frozenset({ServiceKind.IDENTIFICATION, ServiceKind.INVESTIGATION})


class InstitutionService(models.Model):
    """A service an institution offers, as staff and the public page show it. Never a fee: there is no price field."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="services",
                                    verbose_name=_("institution"))
    kind = models.CharField(_("service"), max_length=30, choices=ServiceKind.choices)
    note = models.CharField(_("details"), max_length=500, blank=True,
                            help_text=_("Who it is for, capacity, how to arrange it. No personal data."))
    hours = models.CharField(_("hours"), max_length=255, blank=True,
                             help_text=_("When this service is available, if different from the institution's hours."))
    active = models.BooleanField(_("offered now"), default=True)

    class Meta:
        ordering = ["institution__name_az", "kind"]
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        constraints = [models.UniqueConstraint(fields=["institution", "kind"],
                                               name="directory_service_unique_kind")]

    def __str__(self):
        return f"{self.institution} — {self.get_kind_display()}"
