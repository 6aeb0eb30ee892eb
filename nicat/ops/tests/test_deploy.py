"""deploy/: the environment template names every variable the settings read, and the units start the
commands that exist."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _read_by_settings():
    names = set()
    for path in (ROOT / "nicat" / "settings.py", ROOT / "nicat" / "audit" / "checkpoints.py"):
        text = path.read_text()
        names |= set(re.findall(r'env\.\w+\("([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'_required\("([A-Z][A-Z0-9_]+)"\)', text))
        names |= set(re.findall(r'_setting\("([A-Z][A-Z0-9_]+)"\)', text))
    return names


def test_environment_template_lists_every_variable_the_settings_read():
    template = (ROOT / "deploy" / "nicat.env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", template, flags=re.M))
    missing = _read_by_settings() - listed
    assert {"SECRET_KEY", "DATABASE_URL", "NICAT_BACKUP_KEY", "NICAT_METRICS_TOKEN"} <= _read_by_settings()
    assert not missing, f"add to deploy/nicat.env.example: {sorted(missing)}"


def test_units_run_nicat_serve_and_worker_and_nginx_sends_what_the_app_expects():
    assert "nicat serve" in (ROOT / "deploy" / "nicat-web.service").read_text()
    assert "nicat worker" in (ROOT / "deploy" / "nicat-worker.service").read_text()
    nginx = (ROOT / "deploy" / "nginx-nicat.conf").read_text()
    from django.conf import settings  # noqa: F401  (the production settings name the header below)

    settings_text = (ROOT / "nicat" / "settings.py").read_text()
    assert 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' in settings_text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in nginx and "ssl_certificate" in nginx


def test_nginx_closes_idle_app_connections_before_nicat_serve_does():
    """Otherwise nginx reuses a kept-alive connection just as gunicorn closes it: a reset, a 502 under load
    (found by bench/load.py with gunicorn's 2 s default)."""
    nginx = (ROOT / "deploy" / "nginx-nicat.conf").read_text()
    upstream = re.search(r"upstream nicat_app \{(.*?)\}", nginx, flags=re.S).group(1)
    proxy_idle = int(re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, flags=re.M).group(1))
    serve = (ROOT / "nicat" / "web" / "management" / "commands" / "serve.py").read_text()
    app_idle = int(re.search(r'"keepalive", int\(os\.environ\.get\("NICAT_KEEPALIVE_SECONDS", "(\d+)"\)\)', serve).group(1))
    assert re.search(r"^\s*keepalive \d+;", upstream, flags=re.M)  # nginx does keep connections to the app
    assert proxy_idle < app_idle
