"""The app boundary, an import-linter contract type checked by ``make lint``.

An app may read another app's models and enums and call its public services and
selectors; it may not write another app's tables or reach for its private helpers
(docs/architecture.md, "Layers inside an app"). For every module of an app (``kewei.<app>``
and below, without the excluded tooling, tests and migrations) this reports:

- ``private-name``: ``from kewei.<other>.x import _name``, ``import kewei.<other>._x``, or
  ``x._name`` where ``x`` is another app's module;
- ``cross-app-write``: an ORM write on another app's model: a chain from a model imported
  from ``kewei.<other>...models`` through ``.objects`` or ``.unrestricted()`` that ends in
  create, update, delete, ...; ``Model(...).save()``; or a bulk insert of its table
  (``core.bulk.bulk_insert(Model, ...)``, ``engine.runner.insert_into(Model._meta.db_table,
  ...)``);
- ``cross-app-sql``: SQL text that writes another app's table: ``UPDATE {name}``,
  ``INSERT INTO {name}`` or ``DELETE FROM {name}`` where ``{name}`` stands for another app's
  model in the module's ``Statements({...})`` mapping, a ``.format(name=...)`` of its
  ``db_table``, or an f-string placeholder holding its ``db_table``;
- ``hidden-import``: ``apps.get_model("app", "Model")`` with a literal name: an import
  hidden from the import graph (a label read from data, as the audit trail's display does,
  is reflection and allowed);
- ``namespace-package``: a directory of modules without ``__init__.py``, which the import
  graph does not see.

The modules to check, and which dotted names are modules rather than the names they
define, come from grimp's import graph; what each module does with them, from ``ast``.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck
from importlinter.domain.helpers import module_expressions_to_modules
from rich.markup import escape

# The last call of a chain that writes rows.
ORM_WRITES = frozenset(
    {
        "create",
        "bulk_create",
        "update",
        "bulk_update",
        "delete",
        "get_or_create",
        "update_or_create",
        "_raw_delete",
        "save",
    }
)
# What a chain passes through to reach a table's rows (``Model.objects``, the scoped
# manager's ``unrestricted()``).
MANAGERS = frozenset({"objects", "unrestricted", "_default_manager", "_base_manager"})
# Writers of many rows that take the model (``bulk_insert(Model, ...)``) or its table name.
BULK_WRITERS = frozenset({"bulk_insert", "insert_rows", "bulk_insert_arrow", "insert_into"})
SQL_WRITE = re.compile(r"\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+\{([\w.@]+)\}", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Violation:
    module: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: [{self.rule}] {self.message}"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class ModuleChecker:
    """Finds the violations of one module (``tree``, its syntax) among ``modules``, the
    modules of the import graph."""

    def __init__(
        self, modules: set[str], root: str, module: str, tree: ast.Module, *, is_package: bool
    ) -> None:
        self.modules, self.root, self.module, self.tree = modules, root, module, tree
        self.app = app_of(root, module)
        self.is_package = is_package
        self.aliases: dict[str, str] = {}  # local name -> what it names, dotted
        self.violations: list[Violation] = []

    # -- what names stand for -------------------------------------------------------------

    def resolve(self, dotted: str | None) -> str | None:
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def owning_module(self, dotted: str) -> str | None:
        """The longest module of the graph that ``dotted`` starts with."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.modules:
                return candidate
        return None

    def foreign_app(self, module: str | None) -> str | None:
        """The other app that ``module`` belongs to, or None."""
        if module is None:
            return None
        app = app_of(self.root, module)
        return app if app and app != self.app else None

    def foreign_model(self, node: ast.AST) -> str | None:
        """``kewei.<other>...models.Model`` if ``node`` names another app's model."""
        dotted = self.resolve(_dotted(node))
        if dotted is None:
            return None
        module, _, name = dotted.rpartition(".")
        if module not in self.modules or "models" not in module.split("."):
            return None
        if not name[:1].isupper() or self.foreign_app(module) is None:
            return None
        return dotted

    def foreign_table(self, node: ast.AST) -> str | None:
        """The other app's model whose ``._meta.db_table`` appears in ``node``."""
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Attribute)
                and inner.attr == "db_table"
                and isinstance(inner.value, ast.Attribute)
                and inner.value.attr == "_meta"
            ):
                model = self.foreign_model(inner.value.value)
                if model:
                    return model
        return None

    def add(self, node: ast.AST, rule: str, message: str, line: int | None = None) -> None:
        self.violations.append(Violation(self.module, line or node.lineno, rule, message))

    # -- the rules ------------------------------------------------------------------------

    def check(self) -> list[Violation]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                self.check_import_from(node)
            elif isinstance(node, ast.Import):
                self.check_import(node)
        tables = self.sql_tables()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute):
                self.check_private_attribute(node)
            elif isinstance(node, ast.Call):
                self.check_write(node, {})
                self.check_get_model(node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                variables = self.variables(node)
                if variables:
                    for call in ast.walk(node):
                        if isinstance(call, ast.Call):
                            self.check_write(call, variables)
            if isinstance(node, ast.Constant | ast.JoinedStr):
                self.check_sql(node, tables)
        return self.violations

    def check_import_from(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.module.split(".")
            base = parts if self.is_package else parts[:-1]
            base = base[: len(base) - node.level + 1]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            self.aliases[local] = f"{source}.{alias.name}"
            if self.foreign_app(self.owning_module(source)) is None:
                continue
            private = [part for part in source.split(".") if _is_private(part)]
            if _is_private(alias.name) or private:
                name = f"{source}.{alias.name}"
                self.add(node, "private-name", f"imports the private name {name} of another app")

    def check_import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                self.aliases[head] = head
            if self.foreign_app(self.owning_module(alias.name)) and any(
                _is_private(part) for part in alias.name.split(".")
            ):
                self.add(node, "private-name", f"imports the private module {alias.name}")

    def check_private_attribute(self, node: ast.Attribute) -> None:
        if not _is_private(node.attr):
            return
        target = self.resolve(_dotted(node.value))
        if target in self.modules and self.foreign_app(target):
            self.add(node, "private-name", f"uses the private name {target}.{node.attr}")

    def check_write(self, node: ast.Call, variables: dict[str, str]) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in BULK_WRITERS and node.args:
            model = self.foreign_model(node.args[0]) or self.foreign_table(node.args[0])
            if model:
                self.add(node, "cross-app-write", f"{name}() writes {model} of another app")
            return
        if not isinstance(func, ast.Attribute) or name not in ORM_WRITES:
            return
        model = self.written_model(func.value, variables)
        if model:
            self.add(node, "cross-app-write", f".{name}() writes {model} of another app")

    def written_model(self, receiver: ast.AST, variables: dict[str, str]) -> str | None:
        """The other app's model whose rows ``receiver`` stands for: a chain from the
        model through its manager (``Customer.objects.filter(...)``), an instance made
        (``Customer(...)``) or a variable holding one of these."""
        through_manager = made = False
        while True:
            model = self.foreign_model(receiver)
            if model:
                return model if through_manager or made else None
            if isinstance(receiver, ast.Name):
                return variables.get(receiver.id)
            if isinstance(receiver, ast.Call):
                made = made or self.foreign_model(receiver.func) is not None
                receiver = receiver.func
            elif isinstance(receiver, ast.Attribute):
                through_manager = through_manager or receiver.attr in MANAGERS
                receiver = receiver.value
            else:
                return None

    def variables(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
        """The names in ``function`` that hold another app's rows: parameters annotated
        with its model, and names assigned an instance or a query of it."""
        variables = {}
        arguments = function.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            model = argument.annotation and self.foreign_model(argument.annotation)
            if model:
                variables[argument.arg] = model
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and isinstance(value, ast.Call):
                model = self.written_model(value, variables)
                if model:
                    variables[target.id] = model
        return variables

    def check_get_model(self, node: ast.Call) -> None:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr == "get_model"):
            return
        if self.resolve(_dotted(node.func.value)) != "django.apps.apps":
            return
        if node.args and all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args
        ):
            label = ".".join(arg.value for arg in node.args)
            self.add(node, "hidden-import", f'apps.get_model("{label}") hides an import: import it')

    def sql_tables(self) -> dict[str, str]:
        """``{name}`` of the module's SQL text -> the other app's model it stands for."""
        tables = {}
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            func = _dotted(node.func) or ""
            if func.split(".")[-1] == "Statements" and node.args:
                mapping = node.args[0]
                if isinstance(mapping, ast.Dict):
                    for key, value in zip(mapping.keys, mapping.values, strict=True):
                        model = self.foreign_model(value) or self.foreign_table(value)
                        if model and isinstance(key, ast.Constant):
                            tables[str(key.value)] = model
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                for keyword in node.keywords:
                    model = self.foreign_table(keyword.value)
                    if model and keyword.arg:
                        tables[keyword.arg] = model
        return tables

    def check_sql(self, node: ast.Constant | ast.JoinedStr, tables: dict[str, str]) -> None:
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, str):
                return
            text = node.value
        else:
            pieces = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    pieces.append(str(value.value))
                else:
                    model = self.foreign_table(value)
                    pieces.append(f"{{@{model}}}" if model else "{?}")
            text = "".join(pieces)
        for match in SQL_WRITE.finditer(text):
            key = match.group(2)
            model = key[1:] if key.startswith("@") else tables.get(key)
            if model:
                line = node.lineno + text[: match.start()].count("\n")
                statement = " ".join(match.group(1).upper().split())
                self.add(node, "cross-app-sql", f"{statement} writes {model} of another app", line)


def app_of(root: str, module: str) -> str | None:
    """``customers`` for ``kewei.customers.services`` and ``kewei.customers``; None for
    a top-level module such as ``kewei.urls`` (wiring, not an app)."""
    parts = module.split(".")
    return parts[1] if parts[0] == root and len(parts) >= 2 else None


def module_file(root_directory: Path, root: str, module: str) -> tuple[Path, bool]:
    """The source file of ``module`` and whether it is a package."""
    relative = Path(*module.split(".")[1:])
    package = root_directory / relative / "__init__.py"
    if package.exists():
        return package, True
    return (root_directory / relative).with_suffix(".py"), False


def namespace_packages(root_directory: Path, root: str, excluded: set[str]) -> list[Violation]:
    """A directory of modules without ``__init__.py`` is a namespace package, which grimp
    (and so every contract) does not see: its modules would go unchecked."""
    found = []
    for directory in sorted({path.parent for path in root_directory.rglob("*.py")}):
        if (directory / "__init__.py").exists():
            continue
        package = ".".join([root, *directory.relative_to(root_directory).parts])
        if not any(package == name or package.startswith(f"{name}.") for name in excluded):
            message = "has no __init__.py: the import graph cannot see its modules"
            found.append(Violation(package, 0, "namespace-package", message))
    return found


def find_violations(graph: ImportGraph, root: str, excluded: set[str]) -> list[Violation]:
    """Every violation of the app boundary in the modules of ``root`` not in ``excluded``."""
    spec = importlib.util.find_spec(root)
    assert spec and spec.submodule_search_locations, f"{root} is not a package"
    root_directory = Path(next(iter(spec.submodule_search_locations)))
    violations = namespace_packages(root_directory, root, excluded)
    modules = graph.modules
    for module in sorted(modules):
        if module == root or module in excluded:
            continue
        path, is_package = module_file(root_directory, root, module)
        if module.count(".") == 1 and not is_package:
            continue  # kewei.urls, kewei.cli: the project's wiring, not an app
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        checker = ModuleChecker(modules, root, module, tree, is_package=is_package)
        violations += checker.check()
    return sorted(set(violations))


class AppBoundaryContract(Contract):
    """import-linter contract: no app writes another app's tables or uses its private
    names (see the module docstring for the rules).

    Options:
        - root_package: the package whose sub-packages are the apps.
        - exclude_modules: modules left unchecked, with their descendants (tooling,
          tests, migrations); wildcards as in the other contracts.
    """

    type_name = "app_boundary"

    root_package = fields.StringField()
    exclude_modules = fields.SetField(subfield=fields.ModuleExpressionField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        root = self.root_package  # type: ignore[attr-defined]
        excluded = {
            module.name
            for module in module_expressions_to_modules(
                graph, self.exclude_modules or (), as_packages=True
            )  # type: ignore[arg-type]
        }
        violations = find_violations(graph, root, excluded)
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            "An app may read another app's models and enums and call its services and "
            "selectors; it may not write its tables or use its private names:",
            bold=False,
        )
        output.new_line()
        for violation in check.metadata["violations"]:
            # One line each (``module:line: [rule] message``), whatever the terminal's width.
            output.console.print(escape(str(violation)), style="red", soft_wrap=True)
        output.new_line()
