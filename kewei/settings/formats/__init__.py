"""Kewei's own locale formats (``FORMAT_MODULE_PATH``): only what differs from Django's."""
