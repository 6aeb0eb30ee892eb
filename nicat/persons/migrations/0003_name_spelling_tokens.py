"""Name-spelling tokens (indexes.Kind.NAME_SPELLING) for the persons registered before they existed, so
that the name search tells "Cəfərli" from "Cəfərov" for everyone (issue 19). Keyed values only."""
from django.db import migrations

BATCH = 1000


def add_spelling_tokens(apps, schema_editor):
    from nicat.privacy import indexes

    Person = apps.get_model("persons", "Person")
    PersonToken = apps.get_model("persons", "PersonToken")
    kind = indexes.Kind.NAME_SPELLING
    last = 0
    while True:
        persons = list(Person.objects.filter(pk__gt=last).order_by("pk")
                       .only("pk", "given_name", "family_name", "patronymic", "aliases")[:BATCH])
        if not persons:
            return
        last = persons[-1].pk
        have = set(PersonToken.objects.filter(person_id__in=[p.pk for p in persons], kind=kind)
                   .values_list("person_id", "token"))
        rows = []
        for p in persons:
            data = {"given_name": p.given_name, "family_name": p.family_name, "patronymic": p.patronymic,
                    "aliases": p.aliases or []}
            for k in indexes.spelling_keys(data):
                tok = indexes.token(kind, k)
                if (p.pk, tok) not in have:
                    rows.append(PersonToken(person_id=p.pk, kind=kind, token=tok))
        PersonToken.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("persons", "0002_matching_indexes")]
    operations = [migrations.RunPython(add_spelling_tokens, migrations.RunPython.noop, elidable=True)]
