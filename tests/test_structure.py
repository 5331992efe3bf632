"""The shape of the code: features are siblings, shared modules know no feature."""
import ast
import pathlib

import pytest

WEBAPP = pathlib.Path(__file__).resolve().parent.parent / "webapp"
# A feature is a package with routes (a blueprint); `models` is a shared package like the modules beside it.
FEATURES = sorted(path.name for path in WEBAPP.iterdir() if (path / "routes.py").exists())


def imported_modules(path: pathlib.Path) -> set[str]:
    """The absolute dotted names a module of webapp imports."""
    return imports_of(path.read_text(encoding="utf-8"), ["webapp", *path.relative_to(WEBAPP).parent.parts])


def imports_of(source: str, package: list[str]) -> set[str]:
    """The absolute dotted names some source in `package` imports (relative imports resolved)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def features_named(names: set[str]) -> set[str]:
    """Which feature packages a set of imported names reaches into."""
    return {name.split(".")[1] for name in names if name.count(".") >= 1 and name.split(".")[1] in FEATURES}


def test_there_are_features_to_check():
    assert {"auth", "posts", "users", "messages", "notifications"} <= set(FEATURES)


@pytest.mark.parametrize("feature", FEATURES)
def test_no_feature_imports_another(feature):
    for path in (WEBAPP / feature).rglob("*.py"):
        assert features_named(imported_modules(path)) <= {feature}, path


@pytest.mark.parametrize("path", sorted(p for p in [*WEBAPP.glob("*.py"), *WEBAPP.glob("models/*.py")]
                                         if p.name != "__init__.py"), ids=lambda p: str(p.relative_to(WEBAPP)))
def test_shared_modules_import_no_feature(path):
    assert features_named(imported_modules(path)) == set(), path


@pytest.mark.parametrize("feature", FEATURES)
def test_package_init_files_hold_a_docstring_only(feature):
    tree = ast.parse((WEBAPP / feature / "__init__.py").read_text(encoding="utf-8"))
    assert len(tree.body) == 1 and isinstance(tree.body[0].value, ast.Constant), feature


@pytest.mark.parametrize("source", ["from ..users.routes import bp", "from .. import users",
                                    "from webapp.users import routes", "import webapp.users.avatars"])
def test_the_checker_sees_a_crossing(source):
    """The rules above can fail: every spelling of an import of a sibling is recognised."""
    assert features_named(imports_of(source, ["webapp", "messages"])) == {"users"}
