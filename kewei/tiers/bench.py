"""Benchmarks of the tiers (registered on import)."""
