"""The cell-key perturbation of the analysts' figures (nicat/statistics/perturbation.py), so that two
queries whose answers differ by one record do not single that record out (found by the adversarial review
B)."""
import pytest

from nicat.statistics import suppression

K = suppression.DEFAULT_K


@pytest.fixture(autouse=True)
def fixed_keys(settings):
    settings.SECRET_KEY = "differencing-test-secret-key-0123456789"


def test_the_perturbation_follows_its_table_and_never_shows_a_small_figure():
    """published(): zero stays zero, a count of at least k is never shown below k, the noise is one of the
    table's values with about its probability, and the same records always get the same figure."""
    from collections import Counter

    from nicat.statistics.perturbation import published

    assert published(0, 0, K) == 0
    noises = Counter()
    trials = 4000
    for i in range(trials):
        count = K + i % 30
        figure = published(count, 7919 * i + 13, K)
        assert figure >= K and figure == published(count, 7919 * i + 13, K)
        if count >= K + 2:
            noises[figure - count] += 1
    measured = {value: n / sum(noises.values()) for value, n in noises.items()}
    for value, probability in suppression.PERTURBATION:
        assert abs(measured.get(value, 0) - probability) < 0.03, (value, measured)
    assert set(measured) <= {value for value, _p in suppression.PERTURBATION}
