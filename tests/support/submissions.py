"""Double submissions as a browser makes them: the form's one-time token read off the page, the same POST
sent twice (a double click, a browser sending a slow form again)."""
import re

TOKEN = re.compile(r'name="nicat_submission" value="([^"]+)"')
ALREADY_SAVED = "This was already saved."


def token_on(client, url):
    """The one-time token of the (first) form that creates a record on the page at `url` ("" when the form
    carries none: the POSTs then go as a browser sends such a form, and the test shows what came of it)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    found = TOKEN.search(page.content.decode())
    return found.group(1) if found else ""


def post_twice(client, form_url, post_url, data, **extra):
    """The form at `form_url` sent twice to `post_url` with its token: (the first answer, the second answer
    with its redirect followed)."""
    data = {**data, "nicat_submission": token_on(client, form_url)}
    first = client.post(post_url, data, **extra)
    second = client.post(post_url, data, follow=True, **extra)
    return first, second
