import pytest


@pytest.fixture
def world(cast):
    from tests.support.referrals import build_world

    return build_world(cast)
