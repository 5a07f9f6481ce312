"""Deck files: safe YAML loading with source locations, the format's models, and validation."""
