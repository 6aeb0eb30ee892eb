"""The floors of `bench/api_read.py --floor`: what any authenticated API request costs before it reads anything.

* `/api/v1/_floor/` — a Django REST Framework view with Nicat's own authentication (the hashed API token) and
  permission classes, as every API resource has them, answering `{"ok": true}`;
* `/api/v1/_floor4/` — the same, with four `SELECT 1` round trips to the database: as many statements as the
  case read makes after the token's (memberships, the case, its terms, the audit append), each doing nothing.

Served only by the benchmark's server (bench/api_floor_settings.py); every other path is Nicat's own URLconf.
"""
from django.db import connection
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class Floor(APIView):
    statements = 0

    def get(self, request):
        with connection.cursor() as cursor:
            for _ in range(self.statements):
                cursor.execute("SELECT 1")
                cursor.fetchone()
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/_floor/", Floor.as_view()),
    path("api/v1/_floor4/", Floor.as_view(statements=4)),
    path("", include("nicat.urls")),
]
