"""Settings for the test suite: the base settings with fast, local-only services."""

import atexit
import shutil
import tempfile
from pathlib import Path

from kewei.settings.base import *  # noqa: F403
from kewei.settings.base import DATABASES

# Jobs run at once, in the test's own process.
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
# Files written by tests (exports, uploads) go to a throw-away folder, removed
# when the process that made it ends.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kewei-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
KEWEI_DEMO_TOKENS_FILE = MEDIA_ROOT / "demo-api-tokens.txt"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}
