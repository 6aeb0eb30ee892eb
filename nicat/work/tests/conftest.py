import pytest

from tests.support.world import ShelterWorld as World


@pytest.fixture
def world(cast):
    from nicat.accounts.models import Role
    from tests.support.world import make_user

    w = World(cast)
    w.supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    w.supervisor2 = make_user("ngo.supervisor2", cast.ngo, Role.SUPERVISOR)
    w.colleague = make_user("ngo.colleague", cast.ngo, Role.CASE_WORKER)
    w.foreign_supervisor = make_user("ngo2.supervisor", cast.ngo2, Role.SUPERVISOR)
    return w


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield
