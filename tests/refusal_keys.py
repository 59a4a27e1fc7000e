"""What each service refuses, read from its source: the keys of every
`ValidationError(...)` a public service function builds, directly or through the functions
it calls among the services (tests/test_refusals.py checks them against the forms).

A key is a field name, or None for a refusal shown above the form (a plain message, a
list, `None` or `NON_FIELD_ERRORS` as the key). A refusal passed on in a variable counts
where it was built: `raise ValidationError(refusal)` adds nothing, the helper that made
`refusal` does."""

import ast
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS

ROOT = Path(__file__).resolve().parent.parent
SERVICE_FILES = sorted(
    [*(ROOT / "referrals" / "services").glob("*.py"), ROOT / "hellowork" / "services.py"]
)
# Modules whose refusals a service may raise through a call (followed, never listed).
HELPER_FILES = [
    path
    for path in (ROOT / "referrals" / "lifecycle.py", ROOT / "referrals" / "access.py")
    if path.exists()
]
NON_FIELD = None


@dataclass
class Refusal:
    key: str | None
    message: str  # the msgid when it is a literal, else the expression's source
    line: int
    module: str


@dataclass
class _Module:
    name: str  # dotted
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module, fn)
    modules: dict[str, str] = field(default_factory=dict)  # alias -> module


def _dotted(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _load() -> dict[str, _Module]:
    loaded = {}
    for path in [*SERVICE_FILES, *HELPER_FILES]:
        module = _Module(_dotted(path), ast.parse(path.read_text(encoding="utf-8")))
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef):
                module.functions[node.name] = node
        loaded[module.name] = module
    for module in loaded.values():
        _read_imports(module, loaded)
    return loaded


def _read_imports(module: _Module, loaded: dict[str, _Module]) -> None:
    """Which names of `module` are other service modules, or their functions."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                if f"{node.module}.{alias.name}" in loaded:
                    module.modules[local] = f"{node.module}.{alias.name}"
                elif node.module in loaded:
                    module.imported[local] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in loaded:
                    module.modules[alias.asname or alias.name] = alias.name


def _is_call_of(node: ast.AST, exception: str) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == exception)
        or (isinstance(node.func, ast.Attribute) and node.func.attr == exception)
    )


def _key(node: ast.expr, bound: dict[str, ast.expr]) -> str | None:
    """The key `node` names; a parameter is read from the caller's argument (`bound`)."""
    if isinstance(node, ast.Name) and node.id in bound:
        return _key(bound[node.id], {})
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(bound.get(node.value.id), ast.List | ast.Tuple)
        and isinstance(node.slice, ast.Constant)
    ):
        return _key(bound[node.value.id].elts[node.slice.value], {})  # type: ignore[attr-defined]
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
        return None if node.value in (None, NON_FIELD_ERRORS) else node.value
    if isinstance(node, ast.Name) and node.id == "NON_FIELD_ERRORS":
        return None
    if isinstance(node, ast.JoinedStr):  # f"item_{pk}": a family of fields, "item_*"
        return "".join(
            part.value if isinstance(part, ast.Constant) else "*" for part in node.values
        )
    return f"<{ast.unparse(node)}>"  # computed: no form can be checked against it


def _message(node: ast.expr) -> str:
    """The msgid of `_("...")`, `_("...") % {...}` or `"..."`, else the source."""
    if isinstance(node, ast.BinOp):
        node = node.left
    if isinstance(node, ast.Call) and node.args and not node.keywords:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
    ):
        return ast.unparse(node)
    return ast.unparse(node)


class _Reader:
    """The refusals one function builds, its parameters bound to one call's arguments."""

    def __init__(
        self, function: ast.FunctionDef, bound: dict[str, ast.expr], exception: str
    ) -> None:
        self.function, self.bound, self.exception = function, bound, exception

    def refusals(self) -> list[tuple[str | None, str, int]]:
        found = []
        for node in ast.walk(self.function):
            if not (_is_call_of(node, self.exception) and isinstance(node, ast.Call)):
                continue
            if not node.args:
                found.append((NON_FIELD, "", node.lineno))
                continue
            argument = node.args[0]
            if isinstance(argument, ast.Dict):
                built = self._dict(argument)
            elif isinstance(argument, ast.Name):
                # A dict built here, else a message (a string, a list) made here.
                built = self._variable(argument.id)
                if built is None:
                    built = [(NON_FIELD, f"({argument.id})")]
            elif isinstance(argument, ast.List):
                built = [(NON_FIELD, _message(item)) for item in argument.elts]
            else:
                built = [(NON_FIELD, _message(argument))]
            found += [(key, text, node.lineno) for key, text in built]
        return found

    def _dict(self, node: ast.Dict) -> list[tuple[str | None, str]]:
        return [
            (_key(key, self.bound), _message(value))
            for key, value in zip(node.keys, node.values, strict=True)
            if key is not None
        ]

    def _literal_dict(self, name: str) -> ast.Dict | None:
        for node in ast.walk(self.function):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                and isinstance(node.value, ast.Dict)
            ):
                return node.value
        return None

    def _loop_keys(self, name: str) -> list[ast.expr] | None:
        """The keys a loop variable takes: `for name, _ in texts.items()` over a dict
        literal `texts` of the function, or over a literal tuple; None when unknown here."""
        for node in ast.walk(self.function):
            if not isinstance(node, ast.For):
                continue
            target = node.target.elts[0] if isinstance(node.target, ast.Tuple) else node.target
            if not (isinstance(target, ast.Name) and target.id == name):
                continue
            source = node.iter
            if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute):
                source = source.func.value
            if isinstance(source, ast.Name) and (literal := self._literal_dict(source.id)):
                return [key for key in literal.keys if key is not None]
            if isinstance(source, ast.Tuple | ast.List):
                return list(source.elts)
        return None

    def _keyed(self, key: ast.expr, value: ast.expr) -> list[tuple[str | None, str]]:
        if isinstance(key, ast.Name) and (keys := self._loop_keys(key.id)) is not None:
            return [(_key(each, self.bound), _message(value)) for each in keys]
        return [(_key(key, self.bound), _message(value))]

    def _variable(self, name: str) -> list[tuple[str | None, str]] | None:
        """The keys of a dict `name` built in the function (`name = {...}`,
        `name["key"] = ...`, `name.setdefault("key", ...)`); None when it is no dict."""
        found: list[tuple[str | None, str]] = []
        is_dict = False
        for node in ast.walk(self.function):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Name) and target.id == name:
                    if isinstance(value, ast.Dict):
                        is_dict = True
                        found += self._dict(value)
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == name
                ):
                    found += self._keyed(target.slice, value)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setdefault"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == name
                and len(node.args) == 2
            ):
                key = node.args[0]
                if isinstance(key, ast.Name) and self._loop_keys(key.id) is None:
                    continue  # copied from a called service's refusal: counted there
                found += self._keyed(key, node.args[1])
        return found if is_dict else None


def _bound(function: ast.FunctionDef, call: ast.Call) -> dict[str, ast.expr]:
    """The call's literal arguments by parameter name (what a computed key may be)."""
    parameters = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    bound = dict(zip(parameters, call.args, strict=False))
    bound.update({k.arg: k.value for k in call.keywords if k.arg})
    return {
        name: value
        for name, value in bound.items()
        if isinstance(value, ast.Constant | ast.List | ast.Tuple)
    }


def _callees(module: _Module, function: ast.FunctionDef) -> list[tuple[str, str, ast.Call]]:
    called = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Name):
            if target.id in module.functions:
                called.append((module.name, target.id, node))
            elif target.id in module.imported:
                called.append((*module.imported[target.id], node))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in module.modules
        ):
            called.append((module.modules[target.value.id], target.attr, node))
    return called


def refusals_by_service(exception: str = "ValidationError") -> dict[str, list[Refusal]]:
    """`"referrals.services.counter.referral_draft" -> [Refusal, ...]` for every public
    function of the service modules (those outside `_shared`); `exception` may also be
    "PermissionDenied"."""
    loaded = _load()

    def reach(module_name: str, name: str) -> list[Refusal]:
        start = (module_name, name, {})
        seen, todo, found = set(), [start], []
        while todo:
            module_name, name, bound = todo.pop()
            module = loaded.get(module_name)
            function = module.functions.get(name) if module else None
            if module is None or function is None:
                continue
            found += [
                Refusal(key, text, line, module_name)
                for key, text, line in _Reader(function, bound, exception).refusals()
            ]
            for callee_module, callee, call in _callees(module, function):
                callee_function = loaded[callee_module].functions.get(callee)
                if callee_function is None:
                    continue
                arguments = _bound(callee_function, call)
                seen_as = (callee_module, callee, ast.dump(ast.Tuple(list(arguments.values()))))
                if seen_as not in seen:
                    seen.add(seen_as)
                    todo.append((callee_module, callee, arguments))
        return found

    return {name: reach(*name.rsplit(".", 1)) for name in public_functions()}


def public_functions() -> dict[str, ast.FunctionDef]:
    """`"referrals.services.counter.referral_draft" -> its FunctionDef`."""
    return {
        f"{module.name}.{name}": function
        for module in _load().values()
        if not module.name.endswith("._shared") and module.name.rsplit(".", 1)[0] != "referrals"
        for name, function in module.functions.items()
        if not name.startswith("_")
    }
