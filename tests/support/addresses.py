"""What a search may leave in an address: nothing it searched for (law 1). A query string stays in browser
histories, proxy and load-balancer logs and Referer headers, so the terms of a search travel in a POST body
only. `assert_terms_not_in_addresses` checks an answer: the request's own address, a redirect's Location,
and every address the rendered page links to or submits to (href, src, action, formaction, hx-*)."""
import re
from urllib.parse import quote, quote_plus

ADDRESS_ATTRIBUTE = re.compile(r'\b(?:href|src|action|formaction|hx-(?:get|post|put|patch|delete)|data-url)\s*=\s*'
                               r'(?:"([^"]*)"|\'([^\']*)\')', re.IGNORECASE)


def spellings(term):
    """The term as it may appear in an address: as typed, URL-encoded either way, lower-cased."""
    forms = {term, quote(term), quote_plus(term), quote(term, safe=""), term.replace(" ", "+")}
    return {f for f in forms | {f.lower() for f in forms} if f}


def addresses_in(html):
    return [a or b for a, b in ADDRESS_ATTRIBUTE.findall(html)]


def assert_terms_not_in_addresses(response, *terms):
    request = response.wsgi_request
    seen = {"request": request.get_full_path(), "Location": response.get("Location", "")}
    content_type = response.get("Content-Type", "")
    if "html" in content_type:
        for n, address in enumerate(addresses_in(response.content.decode())):
            seen[f"link {n}"] = address
    for term in terms:
        for where, address in seen.items():
            for form in spellings(term):
                assert form not in address, f"{term!r} in the {where} address {address!r}"
