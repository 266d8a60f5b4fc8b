"""Kewei (客维): customer maintenance for retail banks and brokerages."""

__version__ = "0.1.0"
