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
    nginx = (ROOT / "deploy" / "nginx-nicat.conf").read_text() + (ROOT / "deploy" / "nginx-nicat-proxy.conf").read_text()
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


def test_the_environment_template_survives_systemd(tmp_path):
    """systemd's EnvironmentFile= keeps whatever follows a value, a `# comment` included: a line such as
    `NICAT_TRUSTED_PROXIES=1  # nginx …` stopped nicat-web, nicat-worker and the backup (found by following
    docs/operations.md on a fresh machine). No assignment, active or commented out, carries anything after
    its value."""
    template = (ROOT / "deploy" / "nicat.env.example").read_text()
    assignments = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", template, flags=re.M)
    assert len(assignments) > 40
    trailing = [f"{name}={value}" for name, value in assignments if re.search(r"\s", value)]
    assert not trailing, f"put these comments on a line of their own: {trailing}"


def _self_signed(directory):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nicat.example.az")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def test_the_nginx_site_is_accepted_by_the_nginx_debian_ships(tmp_path):
    """`nginx -t` over the site and its two companion files as docs/operations.md installs them (paths moved
    into a temporary directory, a self-signed certificate): Debian 12's nginx 1.22 refused `http2 on;` and
    found no log format and no proxy snippet, which only lived in comments."""
    import shutil
    import subprocess

    import pytest

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed here (Debian: apt-get install nginx)")
    for sub in ("snippets", "conf.d", "sites", "cert", "log", "acme"):
        (tmp_path / sub).mkdir()
    _self_signed(tmp_path / "cert")
    site = (ROOT / "deploy" / "nginx-nicat.conf").read_text()
    site = (site.replace("/etc/nginx/snippets/", f"{tmp_path}/snippets/")
            .replace("/etc/letsencrypt/live/nicat.example.az/", f"{tmp_path}/cert/")
            .replace("/var/log/nginx/", f"{tmp_path}/log/").replace("/var/www/letsencrypt", f"{tmp_path}/acme"))
    assert str(tmp_path) in site and "/etc/" not in site.split("\n", 12)[-1]
    (tmp_path / "sites" / "nicat").write_text(site)
    shutil.copy(ROOT / "deploy" / "nginx-nicat-proxy.conf", tmp_path / "snippets" / "nicat-proxy.conf")
    shutil.copy(ROOT / "deploy" / "nginx-nicat-log.conf", tmp_path / "conf.d" / "nicat-log.conf")
    # the frame of Debian's /etc/nginx/nginx.conf: conf.d, then the sites, inside http {}
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/log/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {tmp_path}/log/access.log;\n  include {tmp_path}/conf.d/*.conf;\n"
        f"  include {tmp_path}/sites/*;\n}}\n")
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr, checked.stderr
