"""Settings for the test suite: the base settings with fast, local-only services."""

from kewei.settings.base import *  # noqa: F403
from kewei.settings.base import DATABASES

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "batch"],
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}

# Files written by tests (exports) go to a throw-away folder.
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

MEDIA_ROOT = _Path(_tempfile.mkdtemp(prefix="kewei-test-media-"))
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
