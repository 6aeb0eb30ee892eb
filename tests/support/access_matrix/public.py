"""Access matrix entries of the public information site (format: tests/support/matrix.py): every page is
open to everyone, signed in or not; the leaflet of an unknown language is 404."""
from tests.support.matrix import public

MATRIX = {
    "public:home": public(),
    "public:trafficking": public(),
    "public:warning_signs": public(),
    "public:rights": public(),
    "public:where_to_turn": public(),
    "public:leaflet": public(literals={"lang": "en"}),
}
