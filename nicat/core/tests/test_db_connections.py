"""Database connections are kept between requests (opening one per request cost more than the audited case
read itself: docs/performance.md), unless DATABASE_URL says otherwise."""
import json
import os
import subprocess
import sys

import pytest

PRINT = ("import json, django; from django.conf import settings; django.setup(); "
         "print(json.dumps({a: settings.DATABASES[a].get('CONN_MAX_AGE') for a in settings.DATABASES}))")


def conn_max_age(tmp_path, url, replica=""):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nicat.settings", "NICAT_DEV": "1", "SECRET_KEY": "x",
           "NICAT_VAR_DIR": str(tmp_path), "DATABASE_URL": url, "DATABASE_REPLICA_URL": replica}
    out = subprocess.run([sys.executable, "-c", PRINT], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("url", ["postgresql://nicat@127.0.0.1:5432/nicat", "sqlite:///{tmp}/n.sqlite3"])
def test_a_connection_is_kept_for_a_minute_unless_the_url_says_otherwise(tmp_path, url):
    url = url.format(tmp=tmp_path)
    assert conn_max_age(tmp_path, url)["default"] == 60
    sep = "&" if "?" in url else "?"
    assert conn_max_age(tmp_path, url + sep + "conn_max_age=0")["default"] == 0
    assert conn_max_age(tmp_path, url + sep + "conn_max_age=300")["default"] == 300


def test_the_replica_keeps_its_connection_too(tmp_path):
    ages = conn_max_age(tmp_path, "postgresql://nicat@127.0.0.1:5432/nicat",
                        replica="postgresql://nicat@127.0.0.1:5433/nicat")
    assert ages == {"default": 60, "replica": 60}
