"""What to say: a suggested message for a task, from whichever app provides one (the
messages app renders its templates for the task's occasion)."""

from __future__ import annotations

from collections.abc import Callable

from kewei.core.registry import Registry

Suggester = Callable[[object, object], str]  # (task, staff) -> text, or "" for none

# Asked in the order they registered; named by where each is defined.
suggesters: Registry[Suggester] = Registry("task message suggester")


def register_suggester(suggester: Suggester) -> None:
    suggesters.add(f"{suggester.__module__}.{suggester.__qualname__}", suggester)


def suggestion_for(task, staff) -> str:
    for suggester in suggesters.entries():
        text = suggester(task, staff)
        if text:
            return text
    return ""
