"""The floors of `bench/api_read.py --floor`: what any authenticated API request costs before it reads anything.

* `/api/v1/_floor/` — a Django REST Framework view with Nicat's own authentication (the hashed API token) and
  permission classes, as every API resource has them, answering `{"ok": true}`;
* `/api/v1/_floor4/` — the same, with four `SELECT 1` round trips to the database: as many statements as the
  case read makes after the token's (memberships, the case, its terms, the audit append), each doing nothing.
* `/api/v1/_floor_sel/<uuid>/` — the least a decrypted read does, with no access rule, no terms and no audit:
  one hand-written statement reads the case's reference and its person's names and birth date, and the three
  are decrypted; no model is built, no serializer runs;
* `/api/v1/_floor_read/<uuid>/` — the same, and the real `case.view` event appended to the chain
  (`audit.record`): the least any audited, decrypted read must do.

Served only by the benchmark's server (bench/api_floor_settings.py); every other path is Nicat's own URLconf.
"""
from django.db import connection
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from nicat.audit import services as audit
from nicat.cases.models import Case
from nicat.persons.models import Person


class Floor(APIView):
    statements = 0

    def get(self, request):
        with connection.cursor() as cursor:
            for _ in range(self.statements):
                cursor.execute("SELECT 1")
                cursor.fetchone()
        return Response({"ok": True})


_FIELDS = [Person._meta.get_field(name) for name in ("given_name", "family_name", "birth_date")]
_SQL = (f"SELECT c.id, c.reference, p.given_name, p.family_name, p.birth_date FROM {Case._meta.db_table} c "
        f"JOIN {Person._meta.db_table} p ON p.id = c.person_id WHERE c.uuid = %s")


class FloorRead(APIView):
    audited = True  # the `case.view` event appended to the chain

    def get(self, request, uuid):
        with connection.cursor() as cursor:
            cursor.execute(_SQL, [uuid.hex if connection.vendor == "sqlite" else uuid])
            pk, reference, *stored = cursor.fetchone()
        plain = [field.from_db_value(value, None, connection) for field, value in zip(_FIELDS, stored)]
        case = Case(pk=pk, uuid=uuid, reference=reference)
        if self.audited:
            audit.record(actor=request.user, action="case.view", obj=case, case=case, details={"channel": "api"})
        return Response({"uuid": str(uuid), "reference": reference, "given_name": plain[0],
                         "family_name": plain[1], "birth_date": plain[2]})


urlpatterns = [
    path("api/v1/_floor/", Floor.as_view()),
    path("api/v1/_floor4/", Floor.as_view(statements=4)),
    path("api/v1/_floor_read/<uuid:uuid>/", FloorRead.as_view()),
    path("api/v1/_floor_sel/<uuid:uuid>/", FloorRead.as_view(audited=False)),
    path("", include("nicat.urls")),
]
