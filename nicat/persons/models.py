"""The identity of a presumed or recognised victim. Every identifying value is encrypted."""
import datetime
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.access.scoping import ScopedManager
from nicat.privacy.fields import EncryptedCharField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from nicat.vocab.models import Term


class Person(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Names as given, in any script.
    given_name = EncryptedCharField(_("given name"), max_length=150)
    family_name = EncryptedCharField(_("family name"), max_length=150)
    patronymic = EncryptedCharField(_("patronymic"), max_length=150)
    aliases = EncryptedJSONField(_("other names and spellings"))  # list of strings
    birth_date = EncryptedDateField(_("date of birth"))
    birth_date_is_estimate = models.BooleanField(_("date of birth is an estimate"), default=False)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age (years)"), null=True, blank=True)
    age_recorded_on = models.DateField(_("age recorded on"), null=True, blank=True)
    gender = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                               verbose_name=_("gender"), limit_choices_to={"vocabulary": "gender"})
    citizenships = models.ManyToManyField(Term, related_name="+", blank=True, verbose_name=_("citizenship"),
                                          limit_choices_to={"vocabulary": "country"})
    languages = models.ManyToManyField(Term, related_name="+", blank=True, verbose_name=_("languages"),
                                       limit_choices_to={"vocabulary": "language"})
    documents = EncryptedJSONField(_("identity documents"))  # [{"type", "number", "country", "expiry"}]
    phone = EncryptedCharField(_("phone"), max_length=100)
    email = EncryptedCharField(_("e-mail"), max_length=254)
    address = EncryptedTextField(_("address"))
    registered_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT,
                                                  related_name="+", verbose_name=_("registered by"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self):
        return self.full_name or str(_("(no name given)"))

    @property
    def full_name(self):
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)

    def age_on(self, day=None):
        """Age in whole years on `day` (today by default), from the birth date or the estimate."""
        day = day or datetime.date.today()
        if self.birth_date:
            b = self.birth_date
            return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
        if self.estimated_age is not None:
            base = self.age_recorded_on or day
            return self.estimated_age + max(0, (day - base).days // 365)
        return None

    @property
    def is_child(self):
        age = self.age_on()
        return age is not None and age < 18

    @property
    def is_stateless(self):
        return any(t.code == "XXA" for t in self.citizenships.all())
