"""Signing in from browser tests (the confidentiality work adds two-factor steps here)."""
import re

from nicat.testing import PASSWORD


def complete_sign_in(page, live_server, user, language="az"):
    page.context.add_cookies([{"name": "nicat_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/$"))
