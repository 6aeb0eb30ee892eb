"""Settings of `bench/api_read.py --floor`: Nicat's own, with a URLconf that adds two endpoints for the benchmark
only (bench/api_floor_urls.py). Nothing here is part of the product."""
from nicat.settings import *  # noqa: F401,F403

ROOT_URLCONF = "api_floor_urls"
