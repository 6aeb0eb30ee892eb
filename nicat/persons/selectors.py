"""Reads about persons: search, duplicate candidates, the coordinator's review. All through the policy.

Candidates come from the keyed tokens (nicat.privacy.indexes), are decrypted and ranked in memory
(nicat.persons.matching); what a user is shown is cut to what nicat.access.policy lets them see.
"""
import math

from django.db.models import Case, Count, Exists, FloatField, OuterRef, Q, Sum, Value, When
from django.utils import timezone

from nicat.access import policy
from nicat.access.predicates import is_coordinator
from nicat.audit import services as audit
from nicat.core.models import among
from nicat.core.reads import Reads
from nicat.directory.selectors import competent_authority
from nicat.persons import matching
from nicat.persons.indexing import person_data
from nicat.persons.models import DuplicateSignal, MatchModel, MergeRecord, Person, PersonToken, SignalStatus
from nicat.privacy import indexes, names

CANDIDATE_LIMIT = 60       # persons decrypted and ranked per intake check
POSTING_CAP = 2000         # tokens shared by more persons are not used to find candidates
SEARCH_LIMIT = 500         # persons decrypted and ranked per search narrowed by a birth date, document or case
SEARCH_RANKED = 200        # persons decrypted and ranked per name search: the best by keyed-token score
SEARCH_TIES = 1000         # ... and those tied with the last of them, up to this many in all
RANK_CANDIDATES = 2000     # persons sharing a rare token of a name query whose common tokens are weighed too
VISIBILITY_CHUNK = 5000    # scored candidates whose visibility is asked in one query
COMMON_HOLDERS = 100_000   # newest holders of a common name read when no rarer token selects anyone
NAME_QUERY_MIN = 85       # weakest query word's similarity (0..100) for a search hit
NARROW_SHARE = 0.25        # a name search narrows the holders to the user's persons first below this share
RANK_FIELDS = ("id", "uuid", "given_name", "family_name", "patronymic", "aliases", "birth_date",
               "birth_date_is_estimate", "estimated_age", "age_recorded_on", "documents", "phone", "address",
               "merged_into_id", "registered_by_institution_id", "gender__code", "erased_at")
# What a search decrypts to compare names (and ages) for its candidates; RANK_FIELDS only for those shown.
NAME_FIELDS = ("id", "given_name", "family_name", "patronymic", "aliases", "birth_date", "birth_date_is_estimate",
               "estimated_age", "age_recorded_on")


# --- Who coordinates ------------------------------------------------------------------------------

# Identification officers and supervisors of the competent authority (the Main Department) review
# duplicates: nicat.access.predicates.is_coordinator; the Main Department: directory's competent_authority.


# --- Candidates -----------------------------------------------------------------------------------

_models = {}


def registry_rows(model):
    """The whole registry's persons, postings or duplicate signals, for matching and the name search."""
    # whole table: matching and the name search go over the registry — the name search and the intake
    # match rank token postings and load persons by key before (search) or without (matching) asking
    # visibility, for those few only; the duplicate scan compares every person and counts its signals
    return model.objects.system()


_counted = {}
COUNT_TTL = 600  # seconds a registry count (its size, an institution's share) is reused


def _count(key, queryset):
    """`queryset.count()`, kept COUNT_TTL seconds under `key`: a figure that only chooses how to search."""
    import time

    now = time.monotonic()
    at, n = _counted.get(key, (-1e9, 0))
    if now - at > COUNT_TTL:
        n = queryset.count()
        _counted[key] = (now, n)
    return n


def forget_registry_estimates():
    """Drop the cached size of the registry and the institutions' shares of it (each test's new database)."""
    _counted.clear()


def registry_size():
    """Number of registered persons (cached for ten minutes: it only sets the default prior)."""
    return _count("size", registry_rows(Person).filter(merged_into__isnull=True))


def _registered_share(institution_ids):
    """Share of the registry that `institution_ids` registered (cached ten minutes per set of
    institutions, like the registry's size: it only chooses how a search narrows)."""
    key = frozenset(institution_ids)
    n = _count(("registered by", key), registry_rows(Person).filter(registered_by_institution_id__in=list(key)))
    return n / max(registry_size(), 1)


def _narrowing(user):
    """A filter on a `person_id` column keeping every person `user` may see (policy.person_id_sources,
    each part read from an index), for a user whose institutions hold a small part of the registry; None
    for one who sees much of it, for whom asking about each candidate by id (`visible_person_ids`) is
    cheaper than reading their persons. Either way what is shown is decided by `visible_person_ids`."""
    sources = policy.person_id_sources(user)
    if not sources or _registered_share(policy.case_institution_ids(user)) >= NARROW_SHARE:
        return None
    narrow = Q()
    for source in sources:
        narrow |= Q(person_id__in=source)
    return narrow


def current_model():
    """The match weights last learned by the duplicate scan, or the defaults with a prior for the
    registry's size."""
    pk = MatchModel.objects.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    if pk is None:
        model = matching.Model.from_dict(matching.DEFAULT_MODEL.as_dict())
        model.prior = matching.default_prior(registry_size())
        return model
    if pk not in _models:
        _models.clear()
        _models[pk] = matching.Model.from_dict(MatchModel.objects.get(pk=pk).parameters)
    return _models[pk]


def _candidate_ids(tokens, *, exclude=(), limit, posting_cap=POSTING_CAP):
    """Persons sharing the most tokens with the query. Tokens shared by more than `posting_cap`
    persons (a very common name and year) are left out: they would cost time and select nothing."""
    if not tokens:
        return []
    values = sorted({t for _, t in tokens})
    counts = _capped_counts(values, posting_cap + 1)
    selective = [t for t in values if 0 < counts.get(t, 0) <= posting_cap]
    if not selective:
        return []
    qs = registry_rows(PersonToken).filter(token__in=selective)
    if exclude:
        qs = qs.exclude(person_id__in=list(exclude))
    rows = qs.values("person_id").annotate(n=Count("id")).order_by("-n", "person_id")[:limit]
    return [r["person_id"] for r in rows]


def _capped_counts(values, cap):
    """{token: number of persons sharing it, counted up to `cap`}: a very common token costs no more
    than `cap` index entries."""
    from django.db import connection

    table = connection.ops.quote_name(PersonToken._meta.db_table)
    parts = " UNION ALL ".join(f"SELECT * FROM (SELECT token FROM {table} WHERE token = %s LIMIT {int(cap)}) t{i}"
                               for i in range(len(values)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, COUNT(*) FROM ({parts}) u GROUP BY token", list(values))
        return dict(cursor.fetchall())


def preload_keys(qs):
    """One query for the persons' data keys before their values are decrypted (nicat.privacy.personkeys)."""
    from nicat.privacy import personkeys

    personkeys.preload(qs.values_list("data_key_id", flat=True))
    return qs


def _load(ids):
    preload_keys(registry_rows(Person).filter(pk__in=list(ids)))
    return {p.pk: p for p in registry_rows(Person).filter(pk__in=list(ids)).select_related("gender")
            .only(*RANK_FIELDS)}


def _resolve_merged(persons):
    """Map merged records to the record they were merged into (loading those that are missing)."""
    missing = {p.merged_into_id for p in persons.values() if p.merged_into_id and p.merged_into_id not in persons}
    while missing:
        loaded = _load(missing)
        persons.update(loaded)
        missing = {p.merged_into_id for p in loaded.values() if p.merged_into_id and p.merged_into_id not in persons}
    return persons


def _final(person, persons):
    seen = set()
    while person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)
        person = persons[person.merged_into_id]
    return person


def match_candidates(data, *, exclude=(), limit=CANDIDATE_LIMIT, threshold=matching.POSSIBLE):
    """[(person, probability)] of registered persons (system-wide, not scoped) that may be the person
    described by `data` (plain fields), best first. Merged records count for the record they were
    merged into. Callers cut the result to what their user may see."""
    query = matching.profile(data)
    model = current_model()
    tokens = indexes.person_tokens(data, kinds=indexes.BLOCKING_KINDS)
    ids = _candidate_ids(tokens, exclude=exclude, limit=limit)
    persons = _resolve_merged(_load(ids))
    best = {}
    for pid in ids:
        person = persons.get(pid)
        if person is None:
            continue
        final = _final(person, persons)
        if final.pk in exclude:
            continue
        p = matching.probability(query, matching.profile(person_data(person)), model)
        if p >= threshold and p > best.get(final.pk, (None, -1))[1]:
            best[final.pk] = (final, p)
    return sorted(best.values(), key=lambda fp: -fp[1])


def intake_candidates(*, user, data):
    """What a worker registering a new person is shown: the likely and possible matches they may see
    (with the cases they may open), and — when a likely match exists only where they may not look —
    a flag, with the coordinator to contact. Nothing about the hidden match itself."""
    matches = match_candidates(data)
    if not matches:
        return {"candidates": [], "known_elsewhere": False, "coordinator": None,
                "checked_elsewhere": matching.is_strong_query(matching.profile(data))}
    ids = [p.pk for p, _ in matches]
    seen = set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    # A person is shown as a candidate only to whom their identity is open (a referral may share only the
    # medical section); where their contacts are not, a phone or address agreeing does not count.
    visible = policy.persons_with_section(user, seen, "identity")
    contacts = policy.persons_with_section(user, visible, "contacts")
    query = matching.profile(data)
    rescored = []
    for p, prob in matches:
        if p.pk in visible and p.pk not in contacts:
            prob = matching.probability(query, matching.profile({**person_data(p), "phone": "", "address": ""}),
                                        current_model())
            if prob < matching.POSSIBLE:
                continue
        rescored.append((p, prob))
    matches = rescored
    cases = {}
    if visible:
        for case in policy.visible_cases(user).filter(person_id__in=visible).order_by("-created_at"):
            cases.setdefault(case.person_id, []).append(case)
    shown = [{"person": p, "probability": prob, "band": matching.band(prob), "cases": cases.get(p.pk, [])}
             for p, prob in matches if p.pk in visible]
    # Other institutions' persons: announced only on a strong match (name + exact birth date + a document or
    # phone number), never when a restriction order hides the person from this user (issue 14, item 5).
    strong = matching.is_strong_query(query)
    hidden = False
    if strong:
        elsewhere = [p for p, prob in matches if p.pk not in seen and prob >= matching.LIKELY]
        if elsewhere:
            restricted = set(policy.persons_under_restriction(user).filter(person_id__in=[p.pk for p in elsewhere])
                             .values_list("person_id", flat=True))
            hidden = any(p.pk not in restricted and matching.strong_match(query, matching.profile(person_data(p)))
                         for p in elsewhere)
    return {"candidates": shown, "known_elsewhere": hidden, "checked_elsewhere": strong,
            "coordinator": competent_authority() if hidden else None}


class TooManyChecks(Exception):
    """The user has run NICAT_DUPLICATE_CHECKS_PER_HOUR duplicate checks in the last hour."""

    def __init__(self, limit, retry_after):
        from django.utils.translation import gettext as _

        self.limit, self.retry_after = limit, retry_after
        self.user_message = _("You have run %(limit)d duplicate checks in the last hour, the most allowed. Try again "
                              "in %(minutes)d minutes, or ask the Main Department if you need more.") % {
            "limit": limit, "minutes": max(1, (retry_after + 59) // 60)}
        super().__init__(self.user_message)


def duplicate_check(*, user, data, channel):
    """The intake duplicate check as pages and API run it: limited per user (NICAT_DUPLICATE_CHECKS_PER_HOUR,
    counted from the audit trail, so every process agrees), and one audit event per query that names which
    persons and cases it showed — and which query fields were given, never their values."""
    import datetime

    from django.conf import settings

    from nicat.audit.models import AuditEvent

    limit = int(getattr(settings, "NICAT_DUPLICATE_CHECKS_PER_HOUR", 200))
    now = timezone.now()
    recent = (AuditEvent.objects.filter(actor_id=user.pk, action="person.duplicate_check",
                                        occurred_at__gte=now - datetime.timedelta(hours=1))
              .order_by("-occurred_at").values_list("occurred_at", flat=True)[:limit])
    recent = list(recent)
    institution = policy.acting_institution(user)
    given = sorted(k for k, v in data.items() if v not in (None, "", [], False))
    if len(recent) >= limit:
        retry_after = int((recent[-1] + datetime.timedelta(hours=1) - now).total_seconds()) + 1
        audit.record(actor=user, action="person.duplicate_check_refused", institution=institution,
                     details={"channel": channel, "limit": limit, "given": given})
        raise TooManyChecks(limit, max(1, retry_after))
    result = intake_candidates(user=user, data=data)
    audit.record(actor=user, action="person.duplicate_check", institution=institution, details={
        "channel": channel, "given": given, **shown_ids(result["candidates"]),
        "known_elsewhere": result["known_elsewhere"], "checked_elsewhere": result["checked_elsewhere"]})
    return result


def shown_ids(rows):
    """What a list of persons (with their cases) showed, for its one audit event: {"shown": n, "persons":
    [uuid…], "cases": [uuid…]} — ids only, so that "who accessed this record" finds bulk reads too."""
    persons, cases = [], []
    for row in rows:
        person = row["person"] if isinstance(row, dict) else row
        persons.append(str(person.uuid))
        for case in (row.get("cases", []) if isinstance(row, dict) else []):
            cases.append(str(case.uuid))
    return {"shown": len(persons), "persons": persons, "cases": sorted(set(cases))}


# --- Search ---------------------------------------------------------------------------------------

def _years_for_ages(age_from, age_to, today):
    low = 0 if age_from is None else age_from
    high = 120 if age_to is None else age_to
    return list(range(today.year - high - 1, today.year - low + 1))


def _idf(df, total):
    """Weight of agreeing on a token shared by `df` of `total` persons (BM25's inverse document
    frequency): a rare name counts for much, a common one for little."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def _ranked_by_tokens(q, visible, *, limit, narrow=None):
    """Ids of the persons that best match the name query `q` by keyed tokens, of those `visible` (ids ->
    the set of them the user may see) lets through, best first, and whether the query has tokens too
    common to select anyone; ids None when every token is that common (shared by more than POSTING_CAP
    persons).

    Every word's key, prefix and spelling, and the pairs of words (a pair of name keys, a key with the
    first three characters of another), are looked up at once; each person scores the sum of the
    weights of the tokens they share with the query, a token's weight growing as it gets rarer
    (`_idf`). The candidates are the persons sharing a rare token (the RANK_CANDIDATES best of them);
    the common tokens then add their smaller weights to those candidates only. The whole candidate
    set is ranked in the database and only the best `limit` persons are decrypted, so an old person
    with a rare name is found whatever the number of newer persons sharing a common word of it.
    `narrow` (`_narrowing`) keeps, before scoring, only the holders the user may see."""
    tokens = indexes.search_name_tokens(q, combined=True)
    values = sorted({t for _, t in tokens})
    if not values:
        return [], False
    counts = _capped_counts(values, POSTING_CAP + 1)
    selective = {t: counts[t] for t in values if 0 < counts.get(t, 0) <= POSTING_CAP}
    common = [t for t in values if counts.get(t, 0) > POSTING_CAP]
    if not selective:
        return (None if common else []), bool(common)
    total = max(registry_size(), POSTING_CAP + 1)

    def weight(dfs):
        return Case(*[When(token=t, then=Value(_idf(df, total))) for t, df in dfs.items()],
                    default=Value(0.0), output_field=FloatField())

    # Every person holding a selective token is scored (at most POSTING_CAP per token, so a few thousand
    # rows), best first; who of them the user may see is then asked for those persons only, by their ids
    # (policy.visible_person_ids: a probe per person), chunk by chunk until RANK_CANDIDATES are found. Joining the postings with the visible persons
    # instead made PostgreSQL decide visibility for the whole registry on every search (10 s and more
    # at 1,000,000 persons for an institution that sees a fiftieth of them; bench/registry_scale.py).
    holders = registry_rows(PersonToken).filter(token__in=list(selective))
    if narrow is not None:
        holders = holders.filter(narrow)
    rows = list(holders.values("person_id").annotate(score=Sum(weight(selective))).order_by("-score", "-person_id")
                .values_list("person_id", "score"))
    scores = {}
    start = 0
    while start < len(rows) and len(scores) < RANK_CANDIDATES:
        # a chunk a little larger than what is still missing: a user who sees most candidates is asked
        # about RANK_CANDIDATES and a quarter, not VISIBILITY_CHUNK (each a row read: ~4 µs warm, more cold)
        size = min(VISIBILITY_CHUNK, max(500, (RANK_CANDIDATES - len(scores)) * 5 // 4))
        chunk = rows[start:start + size]
        start += size
        seen = visible([pk for pk, _score in chunk])
        for pk, score in chunk:
            if pk in seen and len(scores) < RANK_CANDIDATES:
                scores[pk] = score
    if common and scores:
        common_weight = _idf(POSTING_CAP + 1, total)
        for pk, held in _tokens_held(scores, common).items():
            scores[pk] += held * common_weight
    ranked = sorted(scores, key=lambda pk: (-scores[pk], -pk))
    cut = limit
    # persons tied with the last one taken are taken too (up to SEARCH_TIES): namesakes equal by every token
    # (Samirə Alıyeva and the Samirə Əliyevas share all of them) are told apart only once decrypted, as
    # written (_written_share), and the newest of them are not likelier to be the one asked for
    # (rounded: the same tokens summed in another order may differ in the last bits)
    while cut < min(len(ranked), SEARCH_TIES) and round(scores[ranked[cut]], 6) == round(scores[ranked[limit - 1]], 6):
        cut += 1
    return ranked[:cut], bool(common)


def _tokens_held(person_ids, tokens):
    """{person id: how many of `tokens` they hold} for a few thousand persons and tokens each held by many.

    Read through each person's own tokens (the index on person), never through the tokens' holders: a
    common token of a name has hundreds of thousands of holders at national scale, and PostgreSQL, asked
    `token IN (common) AND person_id = ANY(candidates)`, read those holders and compared each with every
    candidate (300 ms and more at 1,000,000 persons; bench/search_vs_trgm.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        rows = (registry_rows(PersonToken).filter(person_id__in=list(person_ids), token__in=list(tokens))
                .values("person_id").annotate(n=Count("id")).values_list("person_id", "n"))
        return dict(rows)
    table = connection.ops.quote_name(PersonToken._meta.db_table)
    with connection.cursor() as cursor:
        # LATERAL: one probe of the person index per candidate, whatever the planner thinks of the tokens
        cursor.execute(f"SELECT c.id, h.n FROM unnest(%s::bigint[]) AS c(id) CROSS JOIN LATERAL "
                       f"(SELECT COUNT(*) AS n FROM {table} t WHERE t.person_id = c.id "
                       f"AND t.token = ANY(%s::bigint[])) h WHERE h.n > 0", [list(person_ids), list(tokens)])
        return dict(cursor.fetchall())


def _common_name_candidates(q, visible, *, limit, narrow=None):
    """For a name whose every token is shared by more than POSTING_CAP persons ("Aysel Məmmədova"
    among a million): the newest `limit` persons holding the spelling of every word (or, for a misspelt
    word, sharing its pair of names; for one word, the word). Every one of them bears the name; which
    namesake is meant takes another criterion."""
    combined = indexes.search_name_tokens(q, combined=True)
    spellings = sorted({t for kind, t in combined if kind == indexes.Kind.NAME_SPELLING})
    pairs = [t for kind, t in combined if kind == indexes.Kind.NAME_PAIR]
    words = [t for kind, t in combined if kind == indexes.Kind.NAME]
    # First the persons holding every word's spelling (Məhəmməd Alılı, not every Məhəmməd Əliyev that the
    # pair of keys also holds): common words, but together few — an old person of that name is among them
    # whatever the number of newer namesakes of the keys. Then, for a misspelt word, the pair, then a word.
    postings = registry_rows(PersonToken)
    sources = []
    if len(spellings) > 1:
        every = postings.filter(token=spellings[0])
        for t in spellings[1:]:
            every = every.filter(person_id__in=postings.filter(token=t).values("person_id"))
        sources.append(every)
    sources += [postings.filter(token__in=chosen) for chosen in (pairs, words) if chosen]
    for source in sources:
        # newest first (of those `narrow` keeps), visibility asked chunk by chunk for those persons only
        # (see _ranked_by_tokens)
        if narrow is not None:
            source = source.filter(narrow)
        holders = source.order_by("-person_id").values_list("person_id", flat=True)
        newest = list(dict.fromkeys(holders[:COMMON_HOLDERS]))
        ids = []
        for start in range(0, len(newest), VISIBILITY_CHUNK):
            chunk = newest[start:start + VISIBILITY_CHUNK]
            seen = visible(chunk)
            ids += [pk for pk in chunk if pk in seen][:limit - len(ids)]
            if len(ids) >= limit:
                break
        if ids:
            return ids
    return []


def search_persons(*, user, q="", document="", birth_date=None, age_from=None, age_to=None, reference="",
                   limit=50):
    """Persons `user` may see matching every criterion given, best first: [{"person", "score", "cases"}].
    `q` is a name in any spelling, script or order (fuzzy); `document` a document number; `birth_date`
    a date; `age_from`/`age_to` an age range in years; `reference` a case reference.

    A birth date, document or case reference narrows the registry to a handful of persons first, whose
    names are then compared. A name alone (with an age range or not) is ranked over the whole
    registry by its keyed tokens (`_ranked_by_tokens`), the rarest counting most."""
    today = timezone.localdate()
    qs = Person.objects.visible_to(user).filter(merged_into__isnull=True)
    # the same persons before the access rule: a name ranked over the whole registry asks the rule for its
    # candidates only (policy.visible_person_ids), by their ids
    base = registry_rows(Person).filter(merged_into__isnull=True)
    narrowed = False
    if document and names.normalise_document(document):
        tok = indexes.token(indexes.Kind.DOCUMENT, names.normalise_document(document))
        qs = qs.filter(pk__in=registry_rows(PersonToken).filter(token=tok).values("person_id"))
        narrowed = True
    if birth_date:
        qs = qs.filter(birth_date_index=indexes.birth_date_index(birth_date))
        narrowed = True
    if age_from is not None or age_to is not None:
        years = _years_for_ages(age_from, age_to, today)
        qs = qs.filter(birth_year_index__in=[indexes.birth_year_index(y) for y in years])
        base = base.filter(birth_year_index__in=[indexes.birth_year_index(y) for y in years])
    if reference:
        qs = qs.filter(pk__in=policy.visible_cases(user).filter(reference__iexact=reference.strip())
                       .values("person_id"))
        narrowed = True
    name_tokens = indexes.search_name_tokens(q) if q else set()
    if q and not name_tokens:
        return []

    def scored(persons):
        # found only where the identity section is open to the user (names, birth, documents are identity)
        named = policy.persons_with_section(user, [p.pk for p in persons], "identity")
        return _score_names(q, [p for p in persons if p.pk in named], today, age_from, age_to)

    token_rank = {}
    if narrowed:
        if name_tokens:
            # asked per narrowed person (EXISTS through the token's person index), not as the list of every
            # holder of the name's words: SQLite built that list first — 100,000 Məmmədovas for 51 persons
            # born that day (250 ms at 1,000,000)
            qs = qs.filter(Exists(registry_rows(PersonToken).filter(person_id=OuterRef("pk"),
                                                                    token__in=[t for _, t in name_tokens])))
        results = scored(list(preload_keys(qs.only(*NAME_FIELDS).order_by("-pk")[:SEARCH_LIMIT])))
    elif name_tokens:
        def visible(ids):
            return policy.visible_person_ids(user, ids, among_persons=base)

        narrow = _narrowing(user)
        ids, common = _ranked_by_tokens(q, visible, limit=SEARCH_RANKED, narrow=narrow)
        token_rank = {pk: -i for i, pk in enumerate(ids or [])}
        # the birth columns only for an age range (each a decryption, for up to SEARCH_TIES persons)
        fields = NAME_FIELDS if age_from is not None or age_to is not None else NAME_FIELDS[:5]
        results = scored(_ranked_persons(ids, fields))
        if common and not results:  # nothing rarer matched: the namesakes of the common words
            results = scored(_ranked_persons(_common_name_candidates(q, visible, limit=SEARCH_LIMIT, narrow=narrow),
                                             fields))
    elif age_from is not None or age_to is not None:
        results = scored(list(preload_keys(qs.only(*NAME_FIELDS).order_by("-pk")[:SEARCH_LIMIT])))
    else:
        return []
    # written (every word as typed, in any script) before spelling, whose folded letters part would put a
    # Магаммад Алилы before the Məhəmməd Alılı that Магаммад Алылы writes
    results.sort(key=lambda r: (-r["score"], -r["written"], -r["spelling"], -token_rank.get(r["person"].pk, 0),
                                -r["person"].pk))
    results = results[:limit]
    shown = _load([r["person"].pk for r in results])  # what the list shows, decrypted for those only
    for r in results:
        r["person"] = shown[r["person"].pk]
    cases = {}
    for case in policy.visible_cases(user).filter(person_id__in=[r["person"].pk for r in results]):
        cases.setdefault(case.person_id, []).append(case)
    for r in results:
        r["cases"] = cases.get(r["person"].pk, [])
    return results


def _ranked_persons(ids, fields=NAME_FIELDS):
    if not ids:
        return []
    preload_keys(registry_rows(Person).filter(among(Person, "id", ids)))
    loaded = {p.pk: p for p in registry_rows(Person).filter(among(Person, "id", ids)).only(*fields)}
    return [loaded[pk] for pk in ids if pk in loaded]


def _score_names(q, persons, today, age_from, age_to):
    """[{"person", "score", "spelling"}] of `persons` whose every query word resembles a name of theirs
    (score: the weakest word's similarity of keys, 0..100; spelling: how closely the words as typed
    match the names with their endings, which orders the namesakes of a key) and whose age is in the
    range asked."""
    results = []
    scored_names = {}  # namesakes share their scores: computed once per distinct name (hundreds of Aysel Məmmədovas)
    for person in persons:
        score, spelling, written = 100.0, 100.0, 1.0
        if q:
            names_of = tuple(getattr(person, f) for f in NAME_FIELDS[1:4]) + (tuple(person.aliases or ()),)
            known = scored_names.get(names_of)
            if known is None:
                prof = matching.profile({f: getattr(person, f) for f in NAME_FIELDS[1:5]})
                score = matching.name_query_score(q, prof)
                known = scored_names[names_of] = (
                    score, matching.name_spelling_score(q, prof) if score >= NAME_QUERY_MIN else 0.0,
                    _written_share(q, person) if score >= NAME_QUERY_MIN else 0.0)
            score, spelling, written = known
            if score < NAME_QUERY_MIN:
                continue
        if age_from is not None or age_to is not None:
            age = person.age_on(today)
            if age is None or (age_from is not None and age < age_from) or (age_to is not None and age > age_to):
                continue
        results.append({"person": person, "score": score, "spelling": spelling, "written": written})
    return results


def _written_share(q, person):
    """Share of the query's words written exactly as one of the person's names (names.written_words): among
    namesakes equal by every key and spelling, the person written as typed comes first."""
    asked = names.written_words(q)
    if not asked:
        return 0.0
    own = set()
    for value in (person.given_name, person.family_name, person.patronymic):
        own.update(names.written_words(value or ""))
    return sum(w in own for w in asked) / len(asked)


# --- The coordinator's review ---------------------------------------------------------------------

def open_signals(*, user):
    if not is_coordinator(user):
        return DuplicateSignal.objects.none()
    return (DuplicateSignal.objects.visible_to(user).filter(status=SignalStatus.OPEN)
            .select_related("person_a", "person_b", "raised_by_institution").order_by("-probability", "-created_at"))


def signal_for_review(*, user, signal_uuid, audit_view=False):
    """The duplicate signal a coordinator reviews (404 for anyone else); with `audit_view`, its reading is
    recorded (`duplicate.view`) — the review page shows both persons — here, not in the view."""
    from django.http import Http404

    if not is_coordinator(user):
        raise Http404
    try:
        signal = (DuplicateSignal.objects.visible_to(user).select_related("person_a", "person_b")
                  .get(uuid=signal_uuid))
    except (DuplicateSignal.DoesNotExist, ValueError):
        raise Http404 from None
    if audit_view:
        pair_viewed(user=user, signal=signal)
    return signal


def pair_viewed(*, user, signal):
    """Record that the pair page of `signal` was shown to `user` (also when it is shown again with a form's
    errors: the same names, birth dates, documents and phones are read)."""
    # the page shows both persons (names, birth, documents, phone) and the names of the records merged into
    # them (a merge of a merge too): the event names them all, so that each person's trail and their cases'
    # access trail name the reader (nicat.audit.selectors.BULK_READ_ACTIONS)
    shown = [signal.person_a, signal.person_b]
    for person in (signal.person_a, signal.person_b):
        shown += person.records_merged_in()
    audit.record(actor=user, action="duplicate.view", obj=signal, institution=policy.acting_institution(user),
                 details={"persons": sorted({str(p.uuid) for p in shown})})


def pair_facts(person):
    """What the coordinator compares for one record: the person, the institution that registered
    them, their cases (references and owners) and the records merged into them (a merge of a merge too: A
    merged into B, then B into C, and C's side names both)."""
    return {"person": person,
            "cases": list(policy.case_model().objects.of(person).select_related("owner_institution")),
            "merged_records": person.records_merged_in()}


def merges(*, user):
    if not is_coordinator(user):
        return MergeRecord.objects.none()
    return MergeRecord.objects.visible_to(user).select_related("survivor", "merged", "merged_by").order_by("-merged_at")


def merge_list(*, user, limit=200, channel="web"):
    """The latest merges for the coordinator's page, which shows the names of both records of each: a read of
    identifying data, recorded as one event naming the persons shown (so that each person's trail and the
    access trail of their cases name the reader)."""
    rows = list(merges(user=user)[:limit])
    if rows:
        persons = sorted({str(p.uuid) for m in rows for p in (m.survivor, m.merged)})
        audit.record(actor=user, action="person.merge.list", institution=policy.acting_institution(user),
                     details={"channel": channel, "shown": len(rows), "persons": persons})
    return rows


def merge_for_review(*, user, merge_uuid):
    from django.http import Http404

    if not is_coordinator(user):
        raise Http404
    try:
        return MergeRecord.objects.visible_to(user).select_related("survivor", "merged").get(uuid=merge_uuid)
    except (MergeRecord.DoesNotExist, ValueError):
        raise Http404 from None


# --- the one read path of the API's resources (nicat.core.reads) ------------------------------------------


class PersonReads(Reads):
    """Persons (no case of their own: a person may have several): a list is recorded for the reader's acting
    institution and names the persons shown; a read names the person only."""

    def acting(self, user, obj=None):
        return policy.acting_institution(user) if obj is None else None

    def named(self, records):
        return {"persons": [str(p.uuid) for p in records]}


PERSONS = PersonReads(Person, "person", related=("gender", "registered_by_institution"),
                      prefetch=("citizenships", "languages"), case_path=None, order=("-created_at",))


def searched(*, user, criteria, results, channel):
    """Record a search of persons (the criteria named, never their values; the persons and cases shown)."""
    audit.record(actor=user, action="person.search", institution=policy.acting_institution(user),
                 details={"channel": channel, "criteria": sorted(criteria), **shown_ids(results)})
