"""Benchmarks of customer care (registered on import)."""
