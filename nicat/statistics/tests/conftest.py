import pytest


@pytest.fixture
def unperturbed(monkeypatch):
    """The analysts' figures without their noise: the perturbation table (suppression.PERTURBATION) is
    replaced by zeros, so a test of the counting or of the suppression sees the true counts. Tests of what
    analysts see keep the noise (test_differencing.py)."""
    from nicat.statistics import suppression

    monkeypatch.setattr(suppression, "PERTURBATION", ((0, 1.0),))
