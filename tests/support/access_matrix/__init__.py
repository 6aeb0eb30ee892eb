"""The access-matrix tables, one module per app (named after the app's directory under nicat/):
what each route allows, in the vocabulary of tests/support/matrix.py. Read by tests/test_access_matrix.py."""
