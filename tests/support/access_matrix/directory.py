"""Access matrix entries of the directory (format: tests/support/matrix.py): the public page is
public; the search, the details and the API are for every signed-in user."""
from tests.support.matrix import EVERYONE, api, page, public

MATRIX = {
    "directory:public": public(expect=(302,)),  # now /public/where-to-turn/
    "directory:search": page(EVERYONE),
    "directory:detail": page(EVERYONE, kwargs={"uuid": "institution"}),
    "institution-list": api(EVERYONE),
    "institution-detail": api(EVERYONE, kwargs={"uuid": "institution"}),
}
