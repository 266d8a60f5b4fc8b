"""The daily feed of the core system (docs/daily-feed.md): reading, loading, writing."""
