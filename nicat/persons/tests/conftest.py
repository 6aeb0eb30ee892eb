import datetime

import pytest

from tests.support.world import PASSWORD, make_user


@pytest.fixture
def aysel(cast):
    """A case of the first NGO: Aysel Məmmədova, born 4 March 1995, passport AA 1234567."""
    return cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "patronymic": "Rəşid qızı",
                                  "birth_date": datetime.date(1995, 3, 4),
                                  "documents": [{"type": "passport", "number": "AA 1234567", "country": ""}],
                                  "phone": "+994 50 123 45 67"})


@pytest.fixture
def supervisor(cast):
    from nicat.accounts.models import Role

    return make_user("md-supervisor", cast.main_department, Role.SUPERVISOR)


@pytest.fixture
def login(client):
    def as_user(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return as_user
