import pytest


@pytest.fixture(autouse=True)
def english():
    """The tests read the English source messages (az is the default language, and gets translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield
