"""The browser tests wait for the page a click leads to, not for a URL (README, "Browser tests").

`page.wait_for_url(P)` returns at once when the page *left* matches P already — a form that posts to the page
it is on, a plan drawn up on the case's own page — so the next step ran on the old page while the new one was
loading: a click sent nothing, or a check read what was there before (a flaky `tests/test_centre_journey.py`
under load, seen on 7 December 2026). A click that loads a page is wrapped in `page.expect_navigation(…)`,
which waits for that very load. This test reads every browser test and names each click followed by a bare
wait for a URL."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def bare_url_waits(source, name="<test>"):
    """`file:line` of each `wait_for_url` that follows an action (a click, a key, a submit helper) as the next
    statement, outside any `expect_navigation` block."""
    found = []
    for node in ast.walk(ast.parse(source)):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for before, statement in zip(body, body[1:]):
                if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                        and isinstance(statement.value.func, ast.Attribute)
                        and statement.value.func.attr == "wait_for_url"
                        and isinstance(before, ast.Expr) and isinstance(before.value, ast.Call)
                        and _called(before.value) not in LOADS_ITSELF):
                    found.append(f"{name}:{statement.lineno}")
    return found


LOADS_ITSELF = {"goto", "reload", "go_back", "go_forward", "wait_for_load_state", "wait_for_url"}


def _called(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def browser_tests():
    for path in sorted((ROOT / "tests").rglob("test_*.py")) + sorted((ROOT / "nicat").rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if "mark.browser" in text:
            yield path, text


def test_no_browser_step_waits_only_for_a_url_after_a_click():
    files = list(browser_tests())
    assert len(files) >= 15, [p.name for p, _ in files]  # the journeys are found
    found = [hit for path, text in files for hit in bare_url_waits(text, str(path.relative_to(ROOT)))]
    assert found == [], "wrap the click in `with page.expect_navigation(url=…):` instead: " + ", ".join(found)


def test_the_check_sees_a_bare_wait_and_accepts_a_wrapped_one():
    bare = ('def test_x(page):\n'
            '    page.locator("[data-testid=plan-create]").click()\n'
            '    page.wait_for_url(CASE_PAGE)\n')
    wrapped = ('def test_x(page):\n'
               '    with page.expect_navigation(url=CASE_PAGE):\n'
               '        page.locator("[data-testid=plan-create]").click()\n'
               '    page.goto(URL)\n'
               '    page.wait_for_url(CASE_PAGE)\n')  # after a goto, which waits for its load itself
    assert bare_url_waits(bare) == ["<test>:3"]
    assert bare_url_waits(wrapped) == []
