"""Per-person data keys (envelope encryption, see nicat.privacy.personkeys and docs/security.md)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.privacy.fields import EncryptedTextField


class PersonKey(models.Model):
    """One person's random 256-bit data key, wrapped (sealed) by the field keyring.

    The person's identifying values are sealed under this key (`enc2:<kid>:…`). Deleting the row is
    crypto-shredding: without it those values cannot be opened, with any field key. `kid` is random and
    names no one; the person row keeps it (Person.data_key_id) so an erasure can be re-applied."""

    kid = models.CharField(max_length=16, unique=True, editable=False)
    wrapped = EncryptedTextField(_("wrapped data key"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person data key")
        verbose_name_plural = _("person data keys")

    def __str__(self):
        return self.kid
