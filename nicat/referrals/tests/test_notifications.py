"""Notifications (in-app and e-mail) say what happened and to which case reference — never who."""
import pytest
from django.core import mail
from django.urls import reverse

from nicat.consent.models import Purpose
from nicat.consent.services import withdraw_consent
from nicat.referrals import notify, services
from nicat.referrals.models import Notification
from tests.support.referrals import consent, referral_data
from tests.support.world import PASSWORD

NAME = ("Aysel", "Məmmədova")
SECRET = "lives with her aunt on Nizami street"


def identifying_text():
    return list(NAME) + [SECRET, "Nizami", "aunt"]


@pytest.fixture
def journey(world, settings, django_capture_on_commit_callbacks):
    settings.NICAT_NOTIFICATION_EMAIL = True
    for user in (world.worker, world.shelter_staff):
        user.email = f"{user.username}@example.org"
        user.save()
    case = world.open_case(person={"given_name": NAME[0], "family_name": NAME[1]})
    with django_capture_on_commit_callbacks(execute=True):
        c = consent(world.worker, case, Purpose.REFERRAL, world.shelter)
        referral = services.create_referral(actor=world.worker, case=case,
                                            data=referral_data(world.shelter, message=SECRET))
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_referral(actor=world.shelter_staff, referral=referral, note=SECRET,
                                 expected_version=referral.version)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_progress(actor=world.shelter_staff, referral=referral, text=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(actor=world.worker, consent=c, note=SECRET)
    return case, referral


def test_notifications_hold_no_identifying_data(journey):
    case, referral = journey
    rows = list(Notification.objects.all())
    assert {n.kind for n in rows} >= {"referral_received", "referral_accepted", "referral_progress",
                                      "referral_revoked"}
    for n in rows:
        stored = " ".join(str(getattr(n, f.attname)) for f in Notification._meta.concrete_fields)
        assert n.case_reference == case.reference
        assert n.link == reverse("referrals:detail", args=[referral.uuid])
        for word in identifying_text():
            assert word not in stored


def test_emails_hold_the_same_content_and_nothing_identifying(journey):
    case, _referral = journey
    assert len(mail.outbox) >= 4
    for message in mail.outbox:
        text = message.subject + message.body
        assert case.reference in text
        for word in identifying_text():
            assert word not in text
    assert {m.to[0] for m in mail.outbox} == {"worker@example.org", "shelter.manager@example.org"}


def test_no_email_unless_enabled(world, django_capture_on_commit_callbacks):
    world.shelter_staff.email = "s@example.org"
    world.shelter_staff.save()
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    with django_capture_on_commit_callbacks(execute=True):
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    assert mail.outbox == []
    assert Notification.objects.filter(user=world.shelter_staff).count() == 1


def test_bell_shows_the_unread_count_and_opening_marks_read(world, client):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    client.login(username="shelter.manager", password=PASSWORD)
    page = client.get(reverse("web:dashboard")).content.decode()
    assert 'data-testid="unread-count">1<' in page
    listing = client.get(reverse("referrals:notifications")).content.decode()
    assert case.reference in listing
    note = Notification.objects.get(user=world.shelter_staff)
    response = client.get(reverse("referrals:notification_open", args=[note.uuid]))
    assert response.status_code == 302 and response.url == reverse("referrals:detail", args=[referral.uuid])
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="unread-count"' not in client.get(reverse("web:dashboard")).content.decode()


def test_the_menus_two_badges_count_their_own_rows_in_one_query(world, client):
    """The referrals awaiting an answer and the unread notifications: each badge its own number, both read
    in one query (nicat.core.models.counts) although the menu renders them in two places."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        case = world.open_case()
        consent(world.worker, case, Purpose.REFERRAL, world.shelter)
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    first = Notification.objects.filter(user=world.shelter_staff).order_by("pk")[0]
    assert notify.mark_read(actor=world.shelter_staff, uuids=[first.uuid]) == 1
    client.login(username="shelter.manager", password=PASSWORD)
    client.get(reverse("web:dashboard"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("web:dashboard")).content.decode()
    assert re.search(r'data-testid="nav-referrals">[^<]*<span class="badge[^>]*>2</span>', page)
    assert 'data-testid="unread-count">1<' in page
    badge_reads = [q["sql"] for q in ctx.captured_queries
                   if "COUNT(*)" in q["sql"] and "referrals_notification" in q["sql"]]
    assert len(badge_reads) == 1 and "referrals_referral" in badge_reads[0]


def test_someone_elses_notification_is_not_found(world, client):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    note = Notification.objects.get(user=world.shelter_staff)
    client.login(username="worker", password=PASSWORD)
    assert client.get(reverse("referrals:notification_open", args=[note.uuid])).status_code == 404


def test_staff_of_a_deactivated_institution_are_not_notified_of_a_case_reference(world):
    """A notification names a case reference: it goes only to memberships in effect
    (accounts.models.in_effect_q) — none at an institution deactivated since."""
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    world.shelter.active = False
    world.shelter.save()
    rows = notify.notify_institution(institution=world.shelter, kind="referral_received",
                                     case_reference=case.reference, link="/")
    assert rows == [] and not Notification.objects.filter(user=world.shelter_staff).exists()
