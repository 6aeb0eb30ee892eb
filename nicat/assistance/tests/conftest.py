"""The `world` fixture: a shelter with its manager and helpers (tests.support.world.ShelterWorld)."""
import pytest

from tests.support.world import ShelterWorld as World


@pytest.fixture
def world(cast):
    return World(cast)


@pytest.fixture(autouse=True)
def english():
    """The tests read the English source messages (az is the default language, and gets translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.cookies["nicat_language"] = "en"
    return client


@pytest.fixture
def api(api):
    def client_for(user):
        c = api(user)
        c.cookies["nicat_language"] = "en"
        return c
    return client_for
