"""The app boundary contract (kewei.testing.boundaries) on small packages written to a
temporary directory: what it reports, and what it leaves alone."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import grimp

from kewei.testing.boundaries import AppBoundaryContract

# The other app ("beta") of every case: a model, an enum, a public service, private names.
BETA = {
    "synth/__init__.py": "",
    "synth/core/__init__.py": "",
    "synth/core/statements.py": "class Statements:\n    pass\n",
    "synth/beta/__init__.py": "",
    "synth/beta/_internal.py": "",
    "synth/beta/models.py": """
        class Kind:
            SAVINGS = "savings"

        class Account:
            pass
    """,
    "synth/beta/services.py": """
        def account_open(*, name):
            pass

        def _helper():
            pass
    """,
    "synth/alpha/__init__.py": "",
    "synth/alpha/models.py": "class Ledger:\n    pass\n",
}


def violations(tmp_path: Path, monkeypatch, files: dict[str, str]) -> list[str]:
    for name, text in {**BETA, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    contract = AppBoundaryContract(
        name="app boundary",
        session_options={},
        contract_options={
            "root_package": "synth",
            "exclude_modules": ["synth.**.tests", "synth.**.migrations", "synth.**.bench"],
        },
    )
    check = contract.check(grimp.build_graph("synth", cache_dir=None), verbose=False)
    assert check.kept == (not check.metadata["violations"])
    return [str(violation) for violation in check.metadata["violations"]]


def test_private_names_of_another_app_are_violations(tmp_path, monkeypatch):
    # given
    module = """
        from synth.beta import services
        from synth.beta.services import _helper
        import synth.beta._internal

        def run():
            services._helper()
    """
    # when
    found = violations(tmp_path, monkeypatch, {"synth/alpha/private.py": module})
    # then
    assert found == [
        "synth.alpha.private:2: [private-name] imports the private name "
        "synth.beta.services._helper of another app",
        "synth.alpha.private:3: [private-name] imports the private module synth.beta._internal",
        "synth.alpha.private:6: [private-name] uses the private name synth.beta.services._helper",
    ]


def test_orm_writes_on_another_apps_model_are_violations(tmp_path, monkeypatch):
    # given
    module = """
        from synth.beta.models import Account
        from synth.beta import models as beta_models

        def run(account: Account):
            Account.objects.filter(pk=1).update(balance=0)
            Account.objects.unrestricted().create(name="x")
            beta_models.Account.objects.bulk_create([])
            Account(name="y").save()
            account.save()
            found = Account.objects.get(pk=2)
            found.delete()
            bulk_insert(Account, ["name"], [])
    """
    # when
    found = violations(tmp_path, monkeypatch, {"synth/alpha/writes.py": module})
    # then
    model = "synth.beta.models.Account of another app"
    assert found == [
        f"synth.alpha.writes:5: [cross-app-write] .update() writes {model}",
        f"synth.alpha.writes:6: [cross-app-write] .create() writes {model}",
        f"synth.alpha.writes:7: [cross-app-write] .bulk_create() writes {model}",
        f"synth.alpha.writes:8: [cross-app-write] .save() writes {model}",
        f"synth.alpha.writes:9: [cross-app-write] .save() writes {model}",
        f"synth.alpha.writes:11: [cross-app-write] .delete() writes {model}",
        f"synth.alpha.writes:12: [cross-app-write] bulk_insert() writes {model}",
    ]


def test_raw_sql_writing_another_apps_table_is_a_violation(tmp_path, monkeypatch):
    # given
    module = '''
        from synth.alpha.models import Ledger
        from synth.beta.models import Account
        from synth.core.statements import Statements

        _SQL = Statements({"account": Account, "ledger": Ledger})

        def run(quote):
            _SQL.run("UPDATE {account} SET balance = 0")
            _SQL.run("UPDATE {ledger} SET total = 0")
            _SQL.run("SELECT name FROM {account}")
            _SQL.run(f"""
                INSERT INTO {quote(Account._meta.db_table)} (name)
                SELECT name FROM {{ledger}}""")
            _SQL.run("DELETE FROM {target}".format(target=quote(Account._meta.db_table)))
    '''
    # when
    found = violations(tmp_path, monkeypatch, {"synth/alpha/sql.py": module})
    # then
    assert found == [
        "synth.alpha.sql:8: [cross-app-sql] UPDATE writes synth.beta.models.Account of another app",
        "synth.alpha.sql:12: [cross-app-sql] INSERT INTO writes synth.beta.models.Account of "
        "another app",
        "synth.alpha.sql:14: [cross-app-sql] DELETE FROM writes synth.beta.models.Account of "
        "another app",
    ]


def test_get_model_with_a_literal_name_is_a_hidden_import(tmp_path, monkeypatch):
    # given
    module = """
        from django.apps import apps

        def run(label):
            apps.get_model("beta", "Account").objects.count()
            return apps.get_model(label)
    """
    # when
    found = violations(tmp_path, monkeypatch, {"synth/alpha/hidden.py": module})
    # then
    assert found == [
        'synth.alpha.hidden:4: [hidden-import] apps.get_model("beta.Account") hides an '
        "import: import it"
    ]


def test_reading_another_apps_models_and_calling_its_services_is_allowed(tmp_path, monkeypatch):
    # given
    module = """
        from synth.beta.models import Account, Kind
        from synth.beta.services import account_open
        from synth.alpha.models import Ledger
        from synth.core.statements import Statements

        _SQL = Statements({"account": Account, "ledger": Ledger})

        def run(account: Account):
            rows = Account.objects.filter(kind=Kind.SAVINGS).values_list("pk")
            account_open(name="z")
            Ledger.objects.create(total=len(rows))
            Ledger(total=0).save()
            account.refresh_from_db()
            _SQL.run("UPDATE {ledger} SET total = (SELECT COUNT(*) FROM {account})")
            return Account._meta.db_table
    """
    # when
    found = violations(tmp_path, monkeypatch, {"synth/alpha/allowed.py": module})
    # then
    assert found == []


def test_tests_migrations_and_benchmarks_are_not_checked(tmp_path, monkeypatch):
    # given
    write = """
        from django.apps import apps
        from synth.beta.models import Account
        from synth.beta.services import _helper

        def run():
            Account.objects.create(name="x")
            apps.get_model("beta", "Account")
    """
    files = {
        "synth/alpha/tests/__init__.py": "",
        "synth/alpha/tests/test_accounts.py": write,
        "synth/alpha/migrations/__init__.py": "",
        "synth/alpha/migrations/0001_initial.py": write,
        "synth/alpha/bench.py": write,
    }
    # when
    found = violations(tmp_path, monkeypatch, files)
    # then
    assert found == []


def test_lint_imports_fails_with_one_line_per_violation(tmp_path):
    # given: the contract registered through contract_types, as in pyproject.toml
    for name, text in BETA.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    (tmp_path / "synth/alpha/writes.py").write_text(
        "from synth.beta.models import Account\n\n"
        "def run():\n    Account.objects.filter(pk=1).update(balance=0)\n",
        encoding="utf-8",
    )
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = synth\n"
        "contract_types =\n    app_boundary: kewei.testing.boundaries.AppBoundaryContract\n"
        "[importlinter:contract:boundary]\nname = app boundary\ntype = app_boundary\n"
        "root_package = synth\n",
        encoding="utf-8",
    )
    lint_imports = Path(sys.executable).parent / "lint-imports"
    # when
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "COLUMNS": "80"},
        check=False,
    )
    # then
    assert result.returncode == 1
    assert (
        "synth.alpha.writes:4: [cross-app-write] .update() writes "
        "synth.beta.models.Account of another app\n"
    ) in result.stdout


def test_a_models_meta_and_a_modules_dunder_names_are_not_private(tmp_path, monkeypatch):
    # given
    module = """
        from synth.beta import models
        from synth.beta.models import Account

        def run():
            return Account._meta.db_table, models.__name__
    """
    # when
    found = violations(tmp_path, monkeypatch, {"synth/alpha/meta.py": module})
    # then
    assert found == []


def test_a_directory_of_modules_without_init_is_a_violation(tmp_path, monkeypatch):
    # given: grimp does not see a namespace package, so its writes would go unchecked
    module = """
        from synth.beta.models import Account

        def run():
            Account.objects.create(name="x")
    """
    # when
    found = violations(tmp_path, monkeypatch, {"synth/alpha/feed/loading.py": module})
    # then
    assert found == [
        "synth.alpha.feed:0: [namespace-package] has no __init__.py: the import graph "
        "cannot see its modules"
    ]
