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
