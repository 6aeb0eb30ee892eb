"""Sessions in the database whose idle expiry is renewed at most once a minute (SESSION_ENGINE).

Django's database sessions with `SESSION_SAVE_EVERY_REQUEST` rewrite the session row on every request to
push its expiry 30 minutes ahead: a savepoint, an UPDATE and its release on every page, and on SQLite the
database's one write lock taken by every read. This store skips that rewrite when nothing in the session
changed and its stored expiry was renewed less than RENEW_AFTER ago; the session then ends after 29 to
30 minutes of idleness instead of exactly 30. A changed session (sign-in, second factor, language,
messages) is written at once, as before; a session ended elsewhere ("Sign out everywhere", a password
change) is gone from the table and is not loaded again, whatever this store skipped.
"""
from datetime import timedelta

from django.contrib.sessions.backends import db
from django.utils import timezone

RENEW_AFTER = timedelta(seconds=60)


class SessionStore(db.SessionStore):
    _stored_expiry = None  # the row's expire_date as loaded (or last written) in this request

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self._stored_expiry = row.expire_date if row else None
        return row

    def _recently_renewed(self):
        if self._stored_expiry is None or self.session_key is None:
            return False
        renewed_at = self._stored_expiry - timedelta(seconds=self.get_expiry_age())
        return timezone.now() - renewed_at < RENEW_AFTER

    def save(self, must_create=False):
        if not must_create and not self.modified and self._recently_renewed():
            return
        super().save(must_create=must_create)
        self._stored_expiry = self.get_expiry_date()
