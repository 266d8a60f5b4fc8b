"""What to say: a suggested message for a task, from whichever app provides one (the
messages app renders its templates for the task's occasion)."""

from __future__ import annotations

from collections.abc import Callable

Suggester = Callable[[object, object], str]  # (task, staff) -> text, or "" for none

_suggesters: list[Suggester] = []


def register_suggester(suggester: Suggester) -> None:
    _suggesters.append(suggester)


def suggestion_for(task, staff) -> str:
    for suggester in _suggesters:
        text = suggester(task, staff)
        if text:
            return text
    return ""
