"""`/readyz` and `/metrics`: for the load balancer and Prometheus, not for people (no sign-in, no
identifying data; /metrics needs its token)."""
import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache

from nicat.ops import readiness


@never_cache
def readyz(request):
    results = readiness.check_all()
    ok = all(r.ok for r in results)
    lines = ["ready" if ok else "not ready"] + [f"{r.name}: {'ok' if r.ok else 'FAIL'} {r.detail}".rstrip()
                                                for r in results]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8", status=200 if ok else 503)


@never_cache
def metrics(request):
    token = settings.NICAT_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Http404
    from prometheus_client import CONTENT_TYPE_LATEST

    from nicat.ops.metrics import render

    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
