"""Reference vocabularies: one table of terms, each in a named vocabulary.

Every term has a stable `code` (never renamed, so data and exports survive), labels in
Azerbaijani, Russian and English, and where one exists its HTCDS and CTDC code, so that exports
to those standards are a mapping, not a rewrite. The data lives in `nicat/vocab/data/*.yaml`
and is loaded by migrations (see `nicat.vocab.loader`).
"""
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Vocabulary(models.TextChoices):
    ACT = "act", _("Act")
    MEANS = "means", _("Means")
    EXPLOITATION = "exploitation", _("Form of exploitation")
    RISK_GROUP = "risk_group", _("Risk group")
    RECRUITMENT_CHANNEL = "recruitment_channel", _("Recruitment channel")
    INSTITUTION_KIND = "institution_kind", _("Institution kind")
    COUNTRY = "country", _("Country")
    LANGUAGE = "language", _("Language")
    GENDER = "gender", _("Gender")
    DOCUMENT_TYPE = "document_type", _("Identity document type")
    REGION = "region", _("Region")
    CRIMINAL_ARTICLE = "criminal_article", _("Article of the Criminal Code")
    PERPETRATOR_ROLE = "perpetrator_role", _("Role of the suspected trafficker")
    TRAFFICKER_RELATION = "trafficker_relation", _("Relation of the suspected trafficker to the victim")


class TermQuerySet(models.QuerySet):
    def of(self, vocabulary):
        return self.filter(vocabulary=vocabulary, active=True)


class Term(models.Model):
    vocabulary = models.CharField(_("vocabulary"), max_length=40, choices=Vocabulary.choices, db_index=True)
    code = models.CharField(_("code"), max_length=64)
    label_az = models.CharField(_("label (Azerbaijani)"), max_length=255)
    label_ru = models.CharField(_("label (Russian)"), max_length=255)
    label_en = models.CharField(_("label (English)"), max_length=255)
    htcds_code = models.CharField(_("HTCDS code"), max_length=128, blank=True)
    ctdc_code = models.CharField(_("CTDC code"), max_length=128, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["vocabulary", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["vocabulary", "code"], name="vocab_term_unique_code")]
        verbose_name = _("vocabulary term")
        verbose_name_plural = _("vocabulary terms")

    def __str__(self):
        return self.label

    @property
    def label(self):
        lang = (get_language() or "az")[:2]
        return getattr(self, f"label_{lang}", None) or self.label_en or self.code


def label_of(vocabulary, code):
    """The label, in the user's language, of the term `code` of `vocabulary`, for a code a record keeps as text
    (an identity document's type and country): "Паспорт", not "passport". A code no term has (an older record)
    is shown as it is."""
    if not code:
        return ""
    term = Term.objects.filter(vocabulary=vocabulary, code=code).first()
    return term.label if term else str(code)
