"""Settings package: ``base`` (development and demo), ``test`` and ``production``."""
