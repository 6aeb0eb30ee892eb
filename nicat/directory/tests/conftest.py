import pytest


@pytest.fixture
def world(cast):
    from nicat.referrals.testing import build_world

    return build_world(cast)
