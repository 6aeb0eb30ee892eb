import pytest


@pytest.fixture
def hardened(settings):
    """Production sign-in: two-factor sign-in required and the lock-out on."""
    settings.NICAT_REQUIRE_2FA = True
    settings.AXES_ENABLED = True
    return settings
