"""Per request: the route name, method, status and duration — for /metrics and one log line.

The route is the URL pattern's name (`cases:detail`), never the path: paths carry UUIDs and a query
string may carry what someone typed into a search box."""
import logging
import time

from nicat.ops import metrics

logger = logging.getLogger("nicat.request")


def route_of(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - start
        route = route_of(request)
        if route != "metrics":
            metrics.observe_request(route, request.method, response.status_code, elapsed)
        logger.info("%s %s %s %.1f ms", request.method, route, response.status_code, elapsed * 1000,
                    extra={"fields": {"method": request.method, "route": route, "status": response.status_code,
                                      "duration_ms": round(elapsed * 1000, 1)}})
        return response
