"""`nicat check --deploy` is clean with production settings, and the production headers are there."""
import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NICAT_", "DJANGO_", "DATABASE_URL", "DEBUG"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "nicat.settings",
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "NICAT_FIELD_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "NICAT_INDEX_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "NICAT_AUDIT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "nicat.example.org",
        "NICAT_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    })
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_production_headers(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "from django.test import Client\n"
        "r = Client().get('/login/', secure=True, HTTP_HOST='nicat.example.org')\n"
        "print('STATUS', r.status_code)\n"
        "for h in ('Strict-Transport-Security', 'Content-Security-Policy', 'X-Frame-Options', "
        "'X-Content-Type-Options', 'Referrer-Policy', 'Cross-Origin-Opener-Policy', 'Permissions-Policy', "
        "'Cache-Control'):\n"
        "    print(h, '=', r.headers.get(h))\n"
        "print('COOKIES', s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME)\n"
    )
    env = production_env(tmp_path)
    subprocess.run([sys.executable, "-m", "django", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    out = result.stdout
    assert "STATUS 200" in out, out + result.stderr
    assert "Strict-Transport-Security = max-age=31536000; includeSubDomains; preload" in out
    csp = next(line for line in out.splitlines() if line.startswith("Content-Security-Policy"))
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "X-Frame-Options = DENY" in out and "X-Content-Type-Options = nosniff" in out
    assert "no-store" in out and "camera=()" in out
    assert "COOKIES True True __Host-nicat_session" in out
