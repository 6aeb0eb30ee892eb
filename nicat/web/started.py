"""The first line `nicat serve` prints, and the pattern that reads the server's shape back from it.

Kept free of Django imports: the benchmarks (bench/api_read.py, bench/load.py) import the pattern into processes
that never configure Django (Locust's monkey-patching touches every object of the process, an unconfigured
`settings` included, and fails)."""
import re

STARTED = "Nicat on http://{host}:{port}/ ({workers} processes of {threads} thread{s}; static from {static})"
STARTED_SHAPE = re.compile(r"\((\d+) processes of (\d+) thread")
