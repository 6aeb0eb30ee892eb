"""Where the language switch lands: always a page that can be shown with a GET, never a re-post.

The switch is a small POST form on every page with a hidden `next`. On a page reached by GET, `next` is
that page. On a page that is the answer to a POST (a form shown again with its errors), the address in
the browser may accept only POST (`/cases/<uuid>/events/`): switching language there used to end on the
browser's raw "HTTP ERROR 405". Then `next` is the page the form was sent from (the Referer, same site
only), if that page answers a GET, else the dashboard. The switch view checks `next` again on arrival.
"""
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve, reverse


def _allowed_methods(view):
    """The methods a view function accepts when it is wrapped by Django's require_http_methods (or
    require_POST/require_GET), else None (any). Follows functools.wraps' __wrapped__ chain."""
    seen = 0
    func = view
    while func is not None and seen < 20:
        code = getattr(func, "__code__", None)
        closure = getattr(func, "__closure__", None)
        if code is not None and closure and "request_method_list" in code.co_freevars:
            return list(closure[code.co_freevars.index("request_method_list")].cell_contents)
        view_class = getattr(func, "view_class", None)
        if view_class is not None:
            return [m.upper() for m in view_class.http_method_names if hasattr(view_class, m)]
        func = getattr(func, "__wrapped__", None)
        seen += 1
    return None


def answers_get(path):
    """Does the page at `path` (a local path) answer a GET?"""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    methods = _allowed_methods(match.func)
    return methods is None or "GET" in methods


def local_path(url, host):
    """The path of `url` if it points to this site (relative, or absolute with this host), else None.
    The query is dropped: it may carry a searched name."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc != host:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path


def next_for(request):
    """The `next` the language switch on this page sends."""
    if request.method in ("GET", "HEAD") and answers_get(request.path):
        return request.path
    if answers_get(request.path):
        return request.path
    referer = local_path(request.headers.get("Referer", ""), request.get_host())
    if referer and answers_get(referer):
        return referer
    return reverse("web:dashboard")
