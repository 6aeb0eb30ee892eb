"""The import graph of nicat/ keeps the architecture (docs ARCHITECTURE.md, docs/decisions/0006):
layers, lowest first, core -> privacy, accounts -> access, audit -> the domain apps -> web, api; an
import never points up, no two apps import each other (directly or round a cycle), and no view or API
module imports another app's views or serializers. Imports inside functions count as much as those at
the top of a module (that is where cycles used to hide), and so do `__import__`/`import_module` calls
with a literal name.

Known exceptions are listed below with their reason; the test also fails when a listed exception no
longer occurs, so the list can only shrink."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "nicat"

LAYERS = {
    "core": 0,
    "privacy": 1, "accounts": 1,
    "access": 2, "audit": 2,
    "vocab": 3, "directory": 3, "persons": 3, "cases": 3, "identification": 3, "consent": 3, "referrals": 3,
    "assistance": 3, "safety": 3, "statistics": 3, "exchange": 3, "legal": 3, "hotline": 3, "proceedings": 3, "work": 3,
    "retention": 3,
    "web": 4, "api": 4, "public": 4, "ops": 4,
}
# The project's own wiring sits above every app: settings, root URLconf, command line, WSGI.
PROJECT = {"nicat", "nicat.settings", "nicat.settings_test", "nicat.urls", "nicat.cli", "nicat.__main__",
           "nicat.wsgi", "nicat.catalogs", "nicat.devsecrets"}

# (importing module, imported module): arrows that break a rule and are not removed yet, with why.
KNOWN = {
    ("nicat.cases.api", "nicat.persons.api"):
        "POST /api/v1/cases/ registers the person with the case in one request, so the case serializer "
        "nests PersonSerializer. No cycle any more (the section fields moved to access.sections); to "
        "remove: a person representation the persons app offers to other apps outside its api module.",
}


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def runtime_modules():
    mods = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).parts
        if "migrations" in rel or "tests" in rel:
            continue
        mods[module_name(path)] = path
    return mods


def imports_of(name, path, known):
    """Names of the nicat modules `name` imports (anywhere in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "id", None) in ("__import__", "import_module")
                   or getattr(node.func, "attr", None) == "import_module")):
            targets = [node.args[0].value]
        for target in targets:
            # `from nicat.x import y` names module nicat.x.y when it is one, else the package nicat.x.
            while target and target not in known and "." in target:
                target = target.rpartition(".")[0]
            if target in known and target != name:
                found.add(target)
    return found


def app_of(module):
    if module in PROJECT:
        return None
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


@pytest.fixture(scope="module")
def graph():
    mods = runtime_modules()
    known = set(mods) | {m for m in (module_name(p) for p in ROOT.rglob("*.py"))}
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def app_arrows(graph):
    arrows = {}
    for src, targets in graph.items():
        for dst in targets:
            a, b = app_of(src), app_of(dst)
            if a and b and a != b:
                arrows.setdefault((a, b), set()).add((src, dst))
    return arrows


def violations(graph):
    """{(src module, dst module): rule} for every arrow that breaks a rule."""
    out = {}
    arrows = app_arrows(graph)
    for (a, b), pairs in arrows.items():
        if a not in LAYERS or b not in LAYERS:
            raise AssertionError(f"Place the app {a if a not in LAYERS else b!r} in LAYERS of {__file__}")
        if LAYERS[a] < LAYERS[b]:
            for pair in pairs:
                out[pair] = f"{a} (layer {LAYERS[a]}) imports {b} (layer {LAYERS[b]})"
    for cycle in app_cycles({pair for pair in arrows if pair not in {(k[0], k[1]) for k in ()}}):
        for a, b in zip(cycle, cycle[1:] + cycle[:1]):
            for pair in arrows[(a, b)]:
                out.setdefault(pair, "cycle between apps: " + " -> ".join(cycle + cycle[:1]))
    for src, targets in graph.items():
        if not src.endswith((".views", ".api")) and ".views." not in src:
            continue
        for dst in targets:
            if app_of(dst) != app_of(src) and dst.rsplit(".", 1)[-1] in ("views", "api", "serializers"):
                out[(src, dst)] = f"{src} imports another app's views or serializers ({dst})"
    return out


def app_cycles(edges):
    """Strongly connected groups of apps (more than one app each), as sorted lists."""
    nodes = {a for edge in edges for a in edge}
    succ = {n: sorted(b for a, b in edges if a == n) for n in nodes}
    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for n in sorted(nodes):
        if n not in index:
            visit(n)
    # One representative cycle per group: follow edges inside the group from its first app.
    cycles = []
    for group in groups:
        members = set(group)
        path, seen = [group[0]], {group[0]}
        while True:
            nxt = next((w for w in succ[path[-1]] if w in members and w not in seen), None)
            back = group[0] in succ[path[-1]]
            if back and len(path) > 1 and nxt is None:
                break
            if nxt is None:
                break
            path.append(nxt)
            seen.add(nxt)
        cycles.append(group if len(path) < 2 else path)
    return cycles


def test_import_graph_keeps_the_layers_and_has_no_cycle_between_apps(graph):
    found = violations(graph)
    new = {pair: rule for pair, rule in found.items() if pair not in KNOWN}
    assert not new, "Imports that break the architecture:\n" + "\n".join(
        f"  {src} -> {dst}: {rule}" for (src, dst), rule in sorted(new.items()))


def test_known_exceptions_still_exist_so_the_list_only_shrinks(graph):
    found = violations(graph)
    gone = sorted(pair for pair in KNOWN if pair not in found)
    assert not gone, "These known exceptions are fixed: remove them from KNOWN:\n" + "\n".join(
        f"  {src} -> {dst}" for src, dst in gone)


# Top-level packages the product never imports: the test support (tests/support: the world builder,
# the access-matrix tables) and the test and development tools.
TEST_ONLY = ("tests", "conftest", "pytest", "pytest_django", "factory", "hypothesis", "playwright", "schemathesis")


def external_imports_of(path):
    """Top-level names of every module a file imports (anywhere in it), `__import__`/`import_module`
    calls with a literal name included; relative imports stay inside nicat and are left out."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "id", None) in ("__import__", "import_module")
                   or getattr(node.func, "attr", None) == "import_module")):
            found.add(node.args[0].value.split(".")[0])
    return found


def test_no_runtime_module_imports_test_support():
    """Test support lives under tests/ (issue 11, item 5) and the product never reaches for it: no module
    of nicat/ outside its tests/ folders imports `tests` (or a test tool)."""
    leaks = sorted(f"  {name} imports {', '.join(sorted(bad))}" for name, path in runtime_modules().items()
                   if (bad := external_imports_of(path) & set(TEST_ONLY)))
    assert not leaks, "Runtime modules that import test support or test tools:\n" + "\n".join(leaks)


def test_the_checker_sees_function_level_imports_and_cycles(tmp_path):
    """The checker itself: an import inside a function counts, and a two-app cycle is found."""
    src = "def f():\n    from nicat.cases import models\n    return __import__('nicat.referrals.api')\n"
    path = tmp_path / "x.py"
    path.write_text(src)
    assert imports_of("nicat.audit.x", path, {"nicat.cases.models", "nicat.referrals.api"}) == {
        "nicat.cases.models", "nicat.referrals.api"}
    assert app_cycles({("a", "b"), ("b", "a"), ("b", "c")}) == [["a", "b"]]
    assert app_cycles({("a", "b"), ("b", "c")}) == []
    leaky = tmp_path / "leaky.py"
    leaky.write_text("import datetime\n\ndef f():\n    from tests.support.world import Cast\n    return import_module('pytest')\n")
    assert external_imports_of(leaky) & set(TEST_ONLY) == {"tests", "pytest"}


# Issue 11: the whole-table door of the scoped manager is left to the few reads that need every row (audit
# verification, key rotation, the matching scans, the periodic jobs, aggregates).
SYSTEM_READS_MAX = 15


def test_whole_table_reads_stay_few_and_say_why():
    """`grep -rn "objects.system()" nicat --include=*.py` outside tests lists at most 15 lines: a new
    whole-table read takes one of the existing doors (`statistics.whole.whole_table`, `policy.rule_table`,
    the jobs' and the exchange's) or replaces one."""
    lines = [(path, number, line) for path in sorted(ROOT.rglob("*.py")) if "tests" not in path.parts
             for number, line in enumerate(path.read_text().splitlines(), 1) if "objects.system()" in line]
    listing = "\n".join(f"  {p.relative_to(ROOT.parent)}:{n}: {line.strip()}" for p, n, line in lines)
    assert len(lines) <= SYSTEM_READS_MAX, f"{len(lines)} whole-table reads (at most {SYSTEM_READS_MAX}):\n{listing}"
