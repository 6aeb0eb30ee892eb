"""Steps the browser journeys share."""


def submit_assistance_form(page):
    """Click the submit button of the assistance pages' form (`data-testid=assistance-form`). The caller waits
    for what the click starts (`page.expect_navigation`), as every journey step does (tests/test_browser_steps.py)."""
    page.locator("[data-testid=assistance-form] button[type=submit]").click()
