"""Model fields that encrypt in the application before a value reaches the database.

The database column is text holding `enc1:…`; Python sees the plain value. Encrypted fields
cannot be filtered or ordered on (the database sees only ciphertext): exact look-ups use blind
indexes, search decrypts in memory within the user's scope.
"""
import datetime
import json
from itertools import chain

from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from nicat.privacy import crypto, personkeys
from nicat.privacy.crypto import keyring


class Sealed(str):
    """A value already sealed for the database (under a person's data key by `pre_save`)."""


class EncryptedMixin:
    """Encrypt `to_text(value)` on the way in; `from_text` after decryption on the way out."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "TextField"

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def _context(self):
        return f"{self.model._meta.db_table}.{self.column}"

    def to_text(self, value):
        return str(value)

    def from_text(self, text):
        return text

    def get_prep_value(self, value):
        if isinstance(value, Sealed):
            return str(value)
        value = self.to_python(value)
        if value in (None, "", [], {}):
            return "" if not self.null else None
        return keyring().encrypt(self.to_text(value), self._context())

    def get_db_prep_value(self, value, connection, prepared=False):
        return value if prepared else self.get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        return self._plain(value, keyring().opener(self._context()))

    def from_db_values(self, stored_values):
        """The plain values of many stored values of this column (read with `stored()`), in order: the same
        as `from_db_value` for each, with the field keyring set up once and the person keys they need
        unwrapped in one query per 500 values instead of one per person (a system job reading a whole
        table, such as the CTDC release)."""
        stored_values = list(stored_values)
        personkeys.preload({personkeys.kid_of(v) for v in stored_values if personkeys.is_person_sealed(v)})
        open_field = keyring().opener(self._context())
        from_text, field_sealed = self.from_text, crypto.PREFIX + ":"
        return [from_text(open_field(v)) if v.__class__ is str and v.startswith(field_sealed)  # the common case
                else self._plain(v, open_field) for v in stored_values]

    def _plain(self, value, open_field):
        if value in (None, ""):
            return self.empty_value()
        if personkeys.is_person_sealed(value):
            try:
                return self.from_text(personkeys.decrypt(value, self._context()))
            except personkeys.KeyErased:
                return self.empty_value()  # the person was erased: nothing to show, never a failure
        return self.from_text(open_field(value))

    def pre_save(self, model_instance, add):
        """Seal under the row's own data key when the model has one (a person: `sealing_key_id()`);
        otherwise `get_prep_value` seals under the field keyring. QuerySet.update() and bulk_update()
        do not call pre_save: what they write is sealed under the field keys (`nicat keys rotate` moves it)."""
        value = getattr(model_instance, self.attname)
        sealing_key_id = getattr(model_instance, "sealing_key_id", None)
        if sealing_key_id is None or isinstance(value, Sealed):
            return value
        value = self.to_python(value)
        if value in (None, "", [], {}):
            return value
        kid = sealing_key_id()
        if not kid:
            return value
        return Sealed(personkeys.encrypt(kid, self.to_text(value), self._context()))

    def empty_value(self):
        return None if self.null else ""

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            raise TypeError(f"Encrypted field {self.name} cannot be queried with '{lookup_name}'; use a blind index.")
        return super().get_lookup(lookup_name)


def stored(path):
    """The stored (sealed) text of an encrypted column in a query, e.g. `values_list(stored("person__birth_date"))`:
    no per-row decryption by the ORM; the caller opens the column at once with `field.from_db_values()`."""
    return Cast(path, models.TextField())


# --- The person keys of what a query fetched, unwrapped together -------------------------------------------

def sealed_columns(expressions):
    """The positions, among the expressions a query selects, of the columns of encrypted fields: the model's own,
    those of the rows joined with select_related(), those named in values()."""
    positions = []
    for i, expression in enumerate(expressions):
        try:
            field = expression.output_field
        except (AttributeError, FieldError):  # an expression without one type: never an encrypted column
            continue
        if isinstance(field, EncryptedMixin):
            positions.append(i)
    return positions


def unwrap_keys_of(rows, positions):
    """Unwrap in one query (per 500) the person keys that seal the values at `positions` of `rows`, as fetched from
    the database (before the converters open them). A single key is left to the converter, which asks for it once
    too: a destroyed one (an erased person), which `preload` cannot find, is then asked for once, not twice."""
    kids = {personkeys.kid_of(value) for row in rows for i in positions
            if (value := row[i]).__class__ is str and value.startswith(personkeys.PREFIX + ":")}
    if len(kids) > 1:
        personkeys.preload(kids)


def unwrap_keys_before_converters():
    """Every query that reads encrypted columns unwraps the person keys of the rows it fetched in one query, before
    Django's converters (`from_db_value`) open the values one by one.

    Without it a value sealed under a person's key (`enc2:<kid>:…`) made its converter ask the database for that
    key whenever this process had not unwrapped it in the last personkeys.KEY_TTL seconds: a list of fifty cases
    read by a worker that had just started — or ten minutes after it last showed them — asked fifty more queries,
    one per person shown. Here `SQLCompiler.results_iter`, through which every queryset's rows pass (model
    instances, values(), values_list(), with their select_related() columns), is wrapped: once the query has run,
    the chunks of raw rows it fetched are handed on one by one, each after its keys were unwrapped together
    (`unwrap_keys_of`); the converters then find them in the cache. A list read whole (the usual case) asks once
    for all its rows; `.iterator()` still streams, one key query per chunk it fetches. Nothing else changes: the
    same values are opened by the same converters, and a destroyed key still reads as empty. Queries without an
    encrypted column pay a scan of their selected columns' types. nicat.core.prepared, which runs its compiled
    hot reads with the converters itself, calls `unwrap_keys_of` the same way. Installed by PrivacyConfig.ready."""
    from django.db.models.sql.compiler import SQLCompiler
    from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, MULTI

    django_results_iter = SQLCompiler.results_iter
    if getattr(django_results_iter, "unwraps_person_keys", False):
        return

    def results_iter(self, results=None, tuple_expected=False, chunked_fetch=False,
                     chunk_size=GET_ITERATOR_CHUNK_SIZE):
        if results is None:  # run here as Django would, so that the selected columns are known
            results = self.execute_sql(MULTI, chunked_fetch=chunked_fetch, chunk_size=chunk_size)
        positions = sealed_columns([s[0] for s in (self.select or ())[0:self.col_count]])
        if positions:
            results = _keys_unwrapped(results, positions)
        return django_results_iter(self, results, tuple_expected, chunked_fetch, chunk_size)

    results_iter.unwraps_person_keys = True  # type: ignore[attr-defined]
    results_iter.__wrapped__ = django_results_iter  # type: ignore[attr-defined]
    results_iter.__doc__ = django_results_iter.__doc__
    SQLCompiler.results_iter = results_iter  # type: ignore[method-assign]


def _keys_unwrapped(chunks, positions):
    if isinstance(chunks, list):  # fetched whole: every row's keys at once
        unwrap_keys_of(chain.from_iterable(chunks), positions)
        return chunks
    return _each_unwrapped(chunks, positions)


def _each_unwrapped(chunks, positions):
    for chunk in chunks:  # streamed: the next chunk is fetched once the rows of this one were converted
        unwrap_keys_of(chunk, positions)
        yield chunk


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A short text (shown as a one-line input) stored encrypted; max_length limits the plain value."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)
        # The ciphertext is longer than the plain value: the column is text, only the input is limited.

    def cast_db_type(self, connection):
        return models.TextField().db_type(connection)


class EncryptedDateField(EncryptedMixin, models.DateField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def to_text(self, value):
        return value.isoformat()

    def from_text(self, text):
        return datetime.date.fromisoformat(text)

    def empty_value(self):
        return None


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """A JSON list or object (aliases, documents, contacts) stored as one encrypted value."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value) if value else self.get_default()
            except json.JSONDecodeError as exc:
                raise ValidationError(_("Enter valid JSON.")) from exc
        return value

    def to_text(self, value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def from_text(self, text):
        return json.loads(text)

    def empty_value(self):
        return self.get_default()

    def value_to_string(self, obj):
        return self.to_text(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return None  # edited through purpose-built form fields, never as raw JSON
