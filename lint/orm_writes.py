"""Every write goes through a service (DESIGN.md section 5): no module outside the service
modules, migrations, management commands and the demo seeding writes through the ORM.

`python -m lint.orm_writes` scans the apps and prints one line per write found elsewhere,
`path:line:col: ...`, exiting 1 if there is any (or if an allow-list entry no longer
matches a write: the list must not rot).

What counts as a write, read from the source's syntax tree (no import, no database):

- `.create(`, `.bulk_create(`, `.bulk_update(`, `.get_or_create(`, `.update_or_create(`
  on anything;
- `.save(` and `.delete(` on anything but a session or a cache, `super()` (a model's own
  save() override: the write is its caller's), and a form's `.save(commit=False)`;
- `.update(` only on a queryset chain (`X.objects...update(`, `....filter(...).update(`):
  `dict.update` and `set.update` are everywhere. A queryset held in a plain variable and
  updated later is not seen; review still has to catch that one.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

# The apps scanned, relative to the project root; an app that does not exist yet is skipped.
APPS = ("hellowork", "referrals", "employer_portal", "counter")

# Where writes belong: the services, the migrations, the management commands, the demo.
ALLOWED_PATHS = (
    "hellowork/services.py",
    "referrals/services/",
    "/migrations/",
    "/management/commands/",
    "hellowork/demo.py",
    "referrals/demo.py",
)

# Writes outside those paths that are not the project's data: (path, function) -> why.
ALLOW_LIST: dict[tuple[str, str], str] = {
    (
        "hellowork/login_throttle.py",
        "LoginThrottleHandler.reset_user_attempts",
    ): "django-axes' own login-attempt rows, cleared by its handler hook",
    (
        "hellowork/sessions.py",
        "SessionStore.save",
    ): "Django's session rows, saved by the session store Django calls",
    ("hellowork/otp.py", "email_device"): "django-otp's e-mail device, made on first use",
    ("hellowork/otp.py", "pending_totp"): "django-otp's unconfirmed TOTP device, made on first use",
}

ALWAYS_WRITES = frozenset(
    {"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)
INSTANCE_WRITES = frozenset({"save", "delete"})
# Methods whose result is a queryset: `.update(` after one of them is a bulk write.
QUERYSET_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "select_for_update",
        "select_related",
        "prefetch_related",
        "order_by",
        "annotate",
        "alias",
        "using",
        "none",
        "only",
        "defer",
        "distinct",
    }
)


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    col: int
    method: str
    function: str  # dotted name of the enclosing def/class, "" at module level

    def __str__(self) -> str:
        where = f" in {self.function}" if self.function else ""
        return (
            f"{self.path}:{self.line}:{self.col}: ORM write .{self.method}(){where} outside "
            "a service (DESIGN.md section 5: every write goes through a service)"
        )


def _name_of(node: ast.expr) -> str:
    """The last identifier of a receiver: `request.session` -> "session", `cache` -> "cache",
    `caches["default"]` -> "caches", `get_cache()` -> "get_cache"."""
    match node:
        case ast.Name(id=name) | ast.Attribute(attr=name):
            return name
        case ast.Subscript(value=value) | ast.Call(func=value):
            return _name_of(value)
    return ""


def _is_super(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _name_of(node.func) == "super"


def _is_queryset_chain(node: ast.expr) -> bool:
    """`X.objects`, or any chain through `.objects` or a queryset method call."""
    while True:
        match node:
            case ast.Attribute(attr="objects"):
                return True
            case ast.Call(func=ast.Attribute(attr=attr, value=inner)):
                if attr in QUERYSET_METHODS:
                    return True
                node = inner
            case ast.Attribute(value=inner) | ast.Subscript(value=inner):
                node = inner
            case _:
                return False


def _is_not_orm(receiver: ast.expr) -> bool:
    name = _name_of(receiver).lower()
    return name.endswith(("session", "cache", "caches")) or _is_super(receiver)


def _commit_false(call: ast.Call) -> bool:
    return any(
        k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )


def is_write(call: ast.Call) -> bool:
    """Whether this call writes through the ORM (the module docstring's rules)."""
    if not isinstance(call.func, ast.Attribute):
        return False
    method, receiver = call.func.attr, call.func.value
    if method in ALWAYS_WRITES:
        return True
    if method in INSTANCE_WRITES:
        return not (_is_not_orm(receiver) or (method == "save" and _commit_false(call)))
    if method == "update":
        return _is_queryset_chain(receiver)
    return False


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.scope: list[str] = []
        self.writes: list[Write] = []

    def _visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def visit_Call(self, node: ast.Call) -> None:
        if is_write(node):
            assert isinstance(node.func, ast.Attribute)  # is_write checked it
            self.writes.append(
                Write(self.path, node.lineno, node.col_offset, node.func.attr, ".".join(self.scope))
            )
        self.generic_visit(node)


def writes_in(source: str, path: str) -> list[Write]:
    """Every ORM write in one module's source, wherever it is (no path rule applied)."""
    finder = _Finder(path)
    finder.visit(ast.parse(source, filename=path))
    return finder.writes


def is_allowed_path(path: str) -> bool:
    return any(part in f"/{path}" for part in ALLOWED_PATHS)


def check(root: Path) -> list[str]:
    """The problems under root: writes outside the allowed places, then allow-list entries
    that match no write (stale). Empty when the tree keeps the rule."""
    problems: list[str] = []
    used: set[tuple[str, str]] = set()
    for app in APPS:
        for file in sorted((root / app).rglob("*.py")):
            path = file.relative_to(root).as_posix()
            if is_allowed_path(path):
                continue
            for write in writes_in(file.read_text(encoding="utf-8"), path):
                key = (write.path, write.function)
                if key in ALLOW_LIST:
                    used.add(key)
                else:
                    problems.append(str(write))
    problems += [
        f"{path}: allow-list entry {function!r} matches no ORM write; remove it"
        for path, function in sorted(ALLOW_LIST.keys() - used)
    ]
    return problems


def main() -> int:
    problems = check(Path.cwd())
    for problem in problems:
        print(problem)  # noqa: T201 (a command-line check's report)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
