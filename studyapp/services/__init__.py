"""Headless use cases (sync, study, stats, export) over the store and the deck files."""
