"""API tokens: listed and revoked by their owner (page and API), never shown again after creation."""
import re

from django.urls import reverse

from nicat.accounts.models import ApiToken
from nicat.accounts.tokens import issue_token
from nicat.audit.models import AuditEvent
from tests.support.world import verified_login


def test_create_shows_the_token_once_and_stores_only_its_digest(client, cast):
    verified_login(client, cast.worker)
    r = client.post(reverse("accounts:token_create"), {"name": "shelter system"})
    assert r.status_code == 200
    token = re.search(r'data-testid="new-token">([^<]+)<', r.content.decode()).group(1)
    stored = ApiToken.objects.get(user=cast.worker)
    assert token not in str(stored.__dict__) and stored.prefix == token[:10]
    page = client.get(reverse("accounts:security")).content.decode()
    assert token not in page and stored.prefix in page
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/tokens/").status_code == 200


def test_empty_name_is_refused(client, cast):
    verified_login(client, cast.worker)
    r = client.post(reverse("accounts:token_create"), {"name": ""})
    assert r.status_code == 400
    assert not ApiToken.objects.filter(user=cast.worker).exists()


def test_revoke_on_the_page_stops_the_token(client, cast, api):
    token = issue_token(user=cast.worker, name="x")
    row = ApiToken.objects.get(user=cast.worker)
    verified_login(client, cast.worker)
    r = client.post(reverse("accounts:token_revoke", args=[row.uuid]))
    assert r.status_code == 302
    from rest_framework.test import APIClient

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert c.get("/api/v1/cases/").status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", actor=cast.worker).exists()


def test_someone_elses_token_is_not_found(client, cast):
    issue_token(user=cast.worker2, name="theirs")
    theirs = ApiToken.objects.get(user=cast.worker2)
    verified_login(client, cast.worker)
    assert client.post(reverse("accounts:token_revoke", args=[theirs.uuid])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_api_lists_and_revokes_own_tokens_only(cast, api):
    issue_token(user=cast.worker2, name="theirs")
    client = api(cast.worker)
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert len(listed) == 1 and set(listed[0]) == {"uuid", "name", "prefix", "created_at", "last_used_at",
                                                    "revoked_at", "active"}
    theirs = ApiToken.objects.get(user=cast.worker2)
    assert client.delete(f"/api/v1/tokens/{theirs.uuid}/").status_code == 404
    assert client.delete("/api/v1/tokens/not-a-uuid/").status_code == 404
    mine = listed[0]["uuid"]
    assert client.delete(f"/api/v1/tokens/{mine}/").status_code == 204
    assert client.get("/api/v1/tokens/").status_code == 401  # that was the token in use
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
