"""Test support: the one world builder (world.py), the access matrix (matrix.py and one table per app
in access_matrix/), and helpers of single apps. Imported by the tests of nicat/*/tests and tests/,
never by the product (tests/test_architecture.py checks that no runtime module imports `tests`).
Not collected: pytest collects `test_*.py` only."""
