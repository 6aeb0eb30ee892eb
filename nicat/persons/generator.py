"""Synthetic persons for benchmarks (`nicat persons generate N`, bench/matching_speed.py).

Azerbaijani names with realistic skew (a few family names are very common), written in Azerbaijani
Latin, Russian Cyrillic, English transliteration or Latin without diacritics; birth dates, some
only as an estimated age; documents, phones and addresses for some; and a share of persons
registered again (another script, a typo, an estimated birth date) — the duplicates to find.

Rows are inserted directly (bulk, sealed values and tokens computed here), bypassing services and
the audit trail: for benchmark databases only.
"""
import datetime
import random
import uuid

MALE = ("Əli Məhəmməd Hüseyn Rəşid İlqar Orxan Elnur Vüqar Tural Rövşən Cavid Ceyhun Fərid Kamran Murad Nicat Ramil "
        "Samir Zaur Elvin Anar Rauf Fuad Emil Elşən Natiq Mübariz Həsən İsmayıl Cəlil Qasım Yusif Əhməd Vaqif Rüstəm "
        "Şahin Tofiq Namiq Elçin Çingiz Ağa Sərxan Kənan Ülvi Nurlan Seymur Əliəkbər Mirzə Fəxrəddin Araz Azər "
        "Babək Bəhruz Cahid Cəmil Coşqun Dəyanət Eldar Elgün Elmir Emin Etibar Fərhad Fikrət Fizuli Füzuli Habil "
        "Hikmət İlham İlkin İmran Kamal Kərim Xəyal Xaqan Mahir Məhəmmədəli Mətin Mirəli Nadir Nemət Niyaz Nurlan "
        "Oqtay Pərviz Qabil Ramin Rasim Rəhim Rəsul Rəfael Ruslan Sabir Sadiq Səbuhi Sənan Sərvər Şamil Şəhriyar "
        "Talıb Teymur Toğrul Turan Ülvi Vasif Vidadi Vüsal Yaşar Zahid Zamiq Zəfər Zülfüqar").split()
FEMALE = ("Aysel Leyla Günel Səbinə Nərmin Könül Ülviyyə Sevinc Şəhla Nigar Aynur Lalə Gülnar Aygün Fidan Nərgiz "
          "Xədicə Zeynəb Səidə Elnarə Gülər Aytən Rəna Türkan Zəhra Məryəm Şirin Jalə Hicran Samirə Nailə Solmaz "
          "Səadət Pərvin Kəmalə Ləman Aidə Gunay Xanım Təranə Validə Zərifə Mehriban Aybəniz Aişə Nuranə Afaq "
          "Almaz Arzu Aynurə Aytac Bahar Bənövşə Billurə Dilarə Dilbər Esmira Elmira Fatimə Firəngiz Gülay Gülnarə "
          "Gülşən Gültəkin Gülzar Həcər İlahə İradə Jalə Kamilə Lamiyə Leyli Lətafət Mədinə Mələk Minayə Nərmin "
          "Nəzrin Nuriyyə Nurlana Nuray Pərişan Rəbiyyə Rəfiqə Röya Rühəngiz Sabina Sara Səkinə Səma Sevda Simuzər "
          "Süsən Şəbnəm Şəfəq Şölə Tamilla Tərlan Tünzalə Ülkər Ülviyyə Vüsalə Yeganə Zemfira Zenfira Zülfiyyə").split()
STEMS = ("Məmməd Əli Hüseyn Həsən Quli Ismayıl Cəfər Hacı Xəlil Ağa Əhməd Qasım Rza Abbas Baba Nəsib Vəli İbrahim "
         "Mustafa Süleyman Oruc Kərim Rəhim Səfər Novruz Bayram Yusif Musa Hümbət Allahverdi Şükür Zeynal Mirzə "
         "Cabbar Qədir Nağı Tağı Sadıq Salman Fərzəli Heydər Qurban Əsgər Paşa Şirin Tahir Əkbər Məhərrəm Sultan "
         "Bağır Əziz Qənbər Rüstəm Sərdar Pənah Camal Kazım Əmir Zakir Qafar Abdulla Adil Ağayar Alı Aslan Axund "
         "Bağırzad Bəşir Bəxtiyar Cahangir Cavad Dadaş Eyvaz Fətəli Fərhad Gülməmməd Həbib Həmid Hidayət İsa "
         "İsgəndər Kamal Kazımzad Xanlar Xudaverdi Lətif Mahmud Mehdi Məlik Mikayıl Mirzəli Murad Nadir Nəbi Nəcəf "
         "Nəzər Nuri Orucəli Pirəli Qafar Qəhrəman Qulam Rəcəb Rəşid Sabir Səlim Sərxan Şahbaz Şəfi Talıb Tapdıq "
         "Teymur Vahid Vəzir Yaqub Zahid Zülfüqar").split()
STREETS = ("Nizami Füzuli Azadlıq Neftçilər Xətai Bakıxanov Səməd Vurğun Üzeyir Hacıbəyov Mirzə İbrahimov Təbriz "
           "Nərimanov Yasamal Sabunçu Qaraçuxur Əhmədli Binəqədi Masazır Gəncə Sumqayıt Şəki Lənkəran").split()

AZ_TO_RU = {"a": "а", "b": "б", "c": "дж", "ç": "ч", "d": "д", "e": "е", "ə": "а", "f": "ф", "g": "г", "ğ": "г",
            "h": "г", "x": "х", "ı": "ы", "i": "и", "j": "ж", "k": "к", "q": "г", "l": "л", "m": "м", "n": "н",
            "o": "о", "ö": "ё", "p": "п", "r": "р", "s": "с", "ş": "ш", "t": "т", "u": "у", "ü": "ю", "v": "в",
            "y": "й", "z": "з"}
AZ_TO_EN = {"ə": "a", "ü": "u", "ö": "o", "ş": "sh", "ç": "ch", "ğ": "gh", "ı": "i", "x": "kh", "q": "g", "c": "j"}
AZ_PLAIN = {"ə": "e", "ü": "u", "ö": "o", "ş": "s", "ç": "c", "ğ": "g", "ı": "i"}


def _lower(word):
    return word.replace("İ", "i").replace("I", "ı").lower()


def _title(word):
    return (word[0].replace("i", "İ").replace("ı", "I").upper() if word[0] in "iı" else word[0].upper()) + word[1:]


def render(word, script, rnd):
    w = _lower(word)
    if script == "ru":
        out = "".join(AZ_TO_RU.get(ch, ch) for ch in w)
        out = out.replace("ийев", "иев").replace("айев", "аев")
        return out[0].upper() + out[1:]
    if script == "en":
        return "".join(AZ_TO_EN.get(ch, ch) for ch in w).capitalize()
    if script == "plain":
        return "".join(AZ_PLAIN.get(ch, ch) for ch in w).capitalize()
    return _title(w)


def family_name(stem, female, rnd):
    base = _lower(stem)
    ending = "yev" if base[-1] in "aeəıiouöü" else "ov"
    if rnd.random() < 0.08:
        return _title(base + ("li" if base[-1] not in "aeəıiouöü" else "lı"))
    return _title(base + ending + ("a" if female else ""))


def typo(word, rnd):
    if len(word) < 4:
        return word
    i = rnd.randrange(1, len(word) - 1)
    op = rnd.random()
    if op < 0.4:
        return word[:i] + word[i + 1:]
    if op < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rnd.choice("aeiklmnoprstu") + word[i + 1:]


def _zipf(pool, rnd, s=1.1):
    weights = [1 / (k + 1) ** s for k in range(len(pool))]
    return lambda: rnd.choices(pool, weights)[0]


def people(n, *, seed=1, duplicate_share=0.02, today=None):
    """Yield (person dict, position of the original person in the stream, or None) for n persons."""
    rnd = random.Random(seed)
    today = today or datetime.date(2026, 6, 1)
    male, female, stem = _zipf(MALE, rnd, 1.0), _zipf(FEMALE, rnd, 1.0), _zipf(STEMS, rnd, 1.0)
    base = []
    for i in range(n):
        if base and rnd.random() < duplicate_share:
            orig = base[rnd.randrange(len(base))]
            j = orig["_index"]
            script = rnd.choice(["ru", "en", "plain", "az"])
            given, family = orig["_given"], orig["_family"]
            data = dict(orig)
            data["given_name"] = render(given, script, rnd)
            data["family_name"] = render(family, script, rnd)
            if rnd.random() < 0.3:
                data["family_name"] = typo(data["family_name"], rnd)
            if rnd.random() < 0.15 and data.get("birth_date"):
                data["birth_date"] = data["birth_date"].replace(day=min(28, data["birth_date"].day + 1))
            if rnd.random() < 0.5:
                data["documents"] = []
            if rnd.random() < 0.5:
                data["phone"] = ""
            yield data, j
            continue
        is_female = rnd.random() < 0.7
        given = female() if is_female else male()
        family = family_name(stem(), is_female, rnd)
        script = rnd.choices(["az", "ru", "en", "plain"], [0.55, 0.25, 0.15, 0.05])[0]
        data = {"_index": i, "_given": given, "_family": family, "given_name": render(given, script, rnd),
                "family_name": render(family, script, rnd), "patronymic": "", "aliases": [],
                "gender": "feminine" if is_female else "masculine",
                "birth_date": None, "birth_date_is_estimate": False, "estimated_age": None, "age_recorded_on": None,
                "documents": [], "phone": "", "address": ""}
        if rnd.random() < 0.3:
            father = male()
            data["patronymic"] = f"{father} {'qızı' if is_female else 'oğlu'}" if script != "ru" else \
                render(father, "ru", rnd) + ("овна" if is_female else "ович")
        r = rnd.random()
        if r < 0.85:
            data["birth_date"] = datetime.date(rnd.randint(1960, 2012), rnd.randint(1, 12), rnd.randint(1, 28))
            data["birth_date_is_estimate"] = rnd.random() < 0.05
        elif r < 0.95:
            data["estimated_age"] = rnd.randint(14, 60)
            data["age_recorded_on"] = today - datetime.timedelta(days=rnd.randint(0, 1500))
        if rnd.random() < 0.4:
            data["documents"] = [{"type": "passport", "number": f"AA{rnd.randint(1000000, 9999999)}",
                                  "country": "AZE"}]
        if rnd.random() < 0.5:
            data["phone"] = f"+994 {rnd.choice(['50', '51', '55', '70', '77'])} {rnd.randint(100, 999)} " \
                            f"{rnd.randint(10, 99)} {rnd.randint(10, 99)}"
        if rnd.random() < 0.3:
            data["address"] = f"{rnd.choice(STREETS)} küç. {rnd.randint(1, 200)}, mənzil {rnd.randint(1, 120)}"
        base.append(data)
        yield data, None


class _RowBuilder:
    """Builds the database rows (sealed values, index columns, tokens) of generated persons, without
    model instances (a template of defaults, the keyring called directly): about ten times faster."""

    def __init__(self, institutions, genders, now, start_id):
        from nicat.persons.models import Person
        from nicat.privacy.fields import EncryptedMixin

        self.institutions, self.genders, self.now, self.start_id = institutions, genders, now, start_id
        self.fields = [f for f in Person._meta.concrete_fields if f.name != "id"]
        self.encrypted = {f.attname for f in self.fields if isinstance(f, EncryptedMixin)}
        self.table = Person._meta.db_table

    def _template(self):
        values = {}
        for f in self.fields:
            default = f.get_default()
            values[f.attname] = f.get_prep_value(default) if f.attname in self.encrypted else default
        return values

    def __call__(self, chunk):
        from nicat.privacy import indexes
        from nicat.privacy.crypto import keyring

        ring = keyring()
        template = self._template()
        rows, token_rows = [], []
        for i, seed, data in chunk:
            rnd = random.Random(seed)
            pid = self.start_id + i
            fields = {k: v for k, v in data.items() if not k.startswith("_")}
            gender = fields.pop("gender")
            values = dict(template)
            values.update(uuid=uuid.uuid4(), registered_by_institution_id=rnd.choice(self.institutions),
                          gender_id=self.genders.get(gender), created_at=self.now, updated_at=self.now,
                          birth_date_is_estimate=fields["birth_date_is_estimate"],
                          estimated_age=fields["estimated_age"], age_recorded_on=fields["age_recorded_on"])
            values.update(indexes.exact_indexes(fields))
            row = [pid]
            for f in self.fields:
                name = f.attname
                if name in self.encrypted and name in fields:
                    value = fields[name]
                    row.append(ring.encrypt(f.to_text(value), f"{self.table}.{f.column}")
                               if value not in (None, "", [], {}) else template[name])
                else:
                    row.append(values[name])
            rows.append(row)
            token_rows.extend((pid, kind, tok) for kind, tok in indexes.person_tokens(fields))
        return rows, token_rows


def generate(count, *, seed=1, duplicate_share=0.02, institutions=None, batch=5000, workers=2, progress=None,
             truth=None, cache=None, defer_indexes=False):
    """Insert `count` persons (with their index columns and tokens) straight into the database.
    Sealing and token computation run in `workers` processes; the inserts in this one. `truth`, a
    list, receives the (original id, duplicate id) pairs generated. `cache`, a file path: the rows are
    written there, or read from there when it holds the same generation (same count, seed, keys and
    columns) — so that two databases can be filled with the same registry at the cost of one.
    `defer_indexes`: drop the secondary indexes of the two tables during the load and build them
    afterwards (much faster for a large load into an empty benchmark database)."""
    import hashlib
    import multiprocessing
    import os
    import pickle

    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from nicat.directory.models import Institution
    from nicat.persons.indexing import every_person
    from nicat.persons.models import Person, PersonToken
    from nicat.privacy import indexes
    from nicat.vocab.models import Term

    institutions = institutions or list(Institution.objects.filter(active=True).order_by("pk")[:8])
    if not institutions:
        raise ValueError("Create at least one institution first (nicat demo, or the bench set-up).")
    genders = {t.code: t.pk for t in Term.objects.filter(vocabulary="gender")}
    start_id = (every_person().values_list("pk", flat=True).last() or 0) + 1
    builder = _RowBuilder([i.pk for i in institutions], genders, timezone.now(), start_id)
    person_columns = ["id"] + [f.column for f in builder.fields]
    token_columns = [f.column for f in PersonToken._meta.concrete_fields if f.name != "id"]
    from django.db import models as m

    needs_prep = (m.UUIDField, m.DateTimeField, m.DateField, m.TimeField, m.DecimalField, m.JSONField)
    prepare = [f if f.attname not in builder.encrypted and isinstance(f, needs_prep) else None
               for f in builder.fields]
    header = {"count": count, "seed": seed, "duplicate_share": duplicate_share, "columns": person_columns,
              "institutions": builder.institutions, "genders": genders, "start_id": start_id,
              "keys": hashlib.sha256(repr((settings.NICAT_FIELD_KEYS, settings.NICAT_INDEX_KEY)).encode()).hexdigest(),
              "token_kinds": sorted(indexes.Kind.LABELS.items())}  # a new kind of token makes a cache stale
    generated_truth = []

    def chunks():
        chunk = []
        for i, (data, orig) in enumerate(people(count, seed=seed, duplicate_share=duplicate_share)):
            if orig is not None:
                generated_truth.append((start_id + orig, start_id + i))
            chunk.append((i, seed * 1_000_003 + i, data))
            if len(chunk) == batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def store(rows, token_rows):
        prepared = [[row[0]] + [v if f is None or v is None else f.get_db_prep_save(v, connection)
                                for f, v in zip(prepare, row[1:])] for row in rows]
        with transaction.atomic():
            _insert(connection, Person._meta.db_table, person_columns, prepared)
            _insert(connection, PersonToken._meta.db_table, token_columns, token_rows)

    def cached():
        if not cache or not os.path.exists(cache):
            return None
        fh = open(cache, "rb")
        try:
            if pickle.load(fh) != header:
                fh.close()
                return None
        except Exception:
            fh.close()
            return None
        return fh

    made = 0
    deferred = _drop_indexes(connection, [Person._meta.db_table, PersonToken._meta.db_table]) if defer_indexes else []
    source = cached()
    if source is not None:
        with source:
            while True:
                item = pickle.load(source)
                if item[0] == "truth":
                    generated_truth.extend(item[1])
                    break
                store(item[1], item[2])
                made += len(item[1])
                if progress and made % (batch * 20) == 0:
                    progress(f"{made} persons (from {cache})")
    else:
        out = None
        if cache:
            os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
            out = open(cache + ".part", "wb")
            pickle.dump(header, out)

        def consume(results):
            nonlocal made
            for rows, token_rows in results:
                if out:
                    pickle.dump(("rows", rows, token_rows), out, protocol=5)
                store(rows, token_rows)
                made += len(rows)
                if progress and made % (batch * 20) == 0:
                    progress(f"{made} persons")

        if workers > 1:
            connection.close()  # never share a database connection with the forked workers
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                consume(_bounded(pool, builder, chunks(), ahead=2 * workers))
        else:
            consume(builder(chunk) for chunk in chunks())
        if out:
            pickle.dump(("truth", generated_truth), out)
            out.close()
            os.replace(cache + ".part", cache)
    if deferred:
        if progress:
            progress(f"creating {len(deferred)} indexes")
        with connection.cursor() as cursor:
            for sql in deferred:
                cursor.execute(sql)
    if truth is not None:
        truth.extend(generated_truth)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Person._meta.db_table}', 'id'), "
                           f"(SELECT MAX(id) FROM {Person._meta.db_table}))")
    return made


def _insert(connection, table, columns, rows):
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _bounded(pool, fn, items, ahead):
    """pool.imap without running ahead of the consumer (imap reads its whole input at once)."""
    from collections import deque

    pending = deque()
    for item in items:
        pending.append(pool.apply_async(fn, (item,)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _drop_indexes(connection, tables):
    """Drop the secondary (non-constraint) indexes of `tables`; return the SQL that recreates them."""
    statements = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           f"AND tbl_name IN ({marks})", tables)
            for name, sql in cursor.fetchall():
                if sql.upper().startswith("CREATE UNIQUE"):
                    continue
                statements.append(sql)
                cursor.execute(f'DROP INDEX "{name}"')
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
                           "AND i.indexname NOT IN (SELECT c.conname FROM pg_constraint c) "
                           "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'", [tables])
            for name, sql in cursor.fetchall():
                statements.append(sql)
                cursor.execute(f'DROP INDEX "{name}"')
    return statements
