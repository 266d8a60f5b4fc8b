import pytest

from kewei import env


def test_typed_values_are_parsed(monkeypatch):
    monkeypatch.setenv("KEWEI_T_BOOL", "yes")
    monkeypatch.setenv("KEWEI_T_INT", "42")
    monkeypatch.setenv("KEWEI_T_LIST", "a, b,,c")
    assert env.boolean("KEWEI_T_BOOL") is True
    assert env.integer("KEWEI_T_INT") == 42
    assert env.str_list("KEWEI_T_LIST") == ["a", "b", "c"]


def test_default_is_used_when_unset(monkeypatch):
    monkeypatch.delenv("KEWEI_T_MISSING", raising=False)
    assert env.integer("KEWEI_T_MISSING", 7) == 7


def test_required_value_missing_is_named(monkeypatch):
    monkeypatch.delenv("KEWEI_T_MISSING", raising=False)
    with pytest.raises(env.ImproperlyConfiguredEnv, match="KEWEI_T_MISSING"):
        env.string("KEWEI_T_MISSING")


def test_malformed_value_is_refused(monkeypatch):
    monkeypatch.setenv("KEWEI_T_BOOL", "maybe")
    with pytest.raises(env.ImproperlyConfiguredEnv, match="KEWEI_T_BOOL"):
        env.boolean("KEWEI_T_BOOL")
