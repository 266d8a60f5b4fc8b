"""One registry mechanism (``kewei.core.registry``): named entries, a name claimed twice
refused unless it is the same definition registered again, order, the test-only
temporary entry, and the apps' registries built on it."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass

import pytest

from kewei.core.registry import Registry


@dataclass(frozen=True)
class _Step:
    name: str
    order: int
    function: object


def _first(day):
    return "first"


def _second(day):
    return "second"


def test_entries_are_listed_by_their_order_and_read_back_by_name():
    # given
    registry: Registry[_Step] = Registry("test step", order=lambda step: step.order)
    registry.add("b", _Step("b", 20, _second))
    registry.add("a", _Step("a", 10, _first))
    # when
    names = registry.names()
    # then
    assert names == ["a", "b"]
    assert [step.name for step in registry.entries()] == ["a", "b"]
    assert registry.get("b").function is _second
    assert "a" in registry and "c" not in registry
    assert len(registry) == 2


def test_without_an_order_entries_keep_the_order_of_registration():
    registry: Registry[object] = Registry("test hook")
    registry.add("z", _second)
    registry.add("y", _first)
    assert registry.names() == ["z", "y"]
    assert registry.entries() == [_second, _first]


def test_the_decorator_form_registers_the_function_and_returns_it():
    # given
    registry: Registry[object] = Registry("test hook")

    # when
    @registry.register("hook")
    def hook(day):
        return "done"

    # then
    assert registry.get("hook") is hook
    assert hook(None) == "done"


def test_an_unknown_name_is_a_lookup_error_naming_it():
    registry: Registry[object] = Registry("test hook")
    with pytest.raises(LookupError, match="unknown test hook 'missing'"):
        registry.get("missing")


def test_a_name_registered_twice_by_different_definitions_is_refused():
    # given
    registry: Registry[_Step] = Registry("test step", order=lambda step: step.order)
    registry.add("night", _Step("night", 10, _first))
    # when / then
    with pytest.raises(ValueError) as error:
        registry.add("night", _Step("night", 20, _second))
    assert str(error.value) == (
        "test step 'night' is already registered "
        f"({__name__}._first); refusing a second one ({__name__}._second): "
        "choose another name"
    )
    assert registry.get("night").function is _first


def test_the_same_definition_registered_again_replaces_the_first():
    # given: a module imported again defines its function anew, in the same place
    registry: Registry[_Step] = Registry("test step", order=lambda step: step.order)
    registry.add("night", _Step("night", 10, _first))
    reloaded = types.FunctionType(_first.__code__, globals(), "_first")
    assert reloaded is not _first
    # when
    registry.add("night", _Step("night", 10, reloaded))
    # then
    assert registry.get("night").function is reloaded
    assert registry.names() == ["night"]


def test_a_temporary_entry_lives_only_inside_its_block():
    # given
    registry: Registry[object] = Registry("test hook")
    registry.add("kept", _first)
    # when
    with registry.temporary("extra", _second), registry.temporary("kept", _second):
        inside = (registry.names(), registry.get("kept"))
    # then
    assert inside == (["kept", "extra"], _second)
    assert registry.names() == ["kept"]
    assert registry.get("kept") is _first


def test_the_apps_registries_refuse_a_second_step_or_panel_of_one_name():
    # given: the apps have registered theirs (AppConfig.ready)
    from kewei.core.daily import register_daily_step
    from kewei.customers.panels import register_panel

    # when / then
    with pytest.raises(
        ValueError, match=re.escape("daily step 'points.accrue' is already registered")
    ):
        register_daily_step("points.accrue", order=99)(_first)
    with pytest.raises(
        ValueError, match=re.escape("customer-page panel 'points' is already registered")
    ):
        register_panel("points", title="积分", template="x.html", order=1)(lambda r, c: {})
