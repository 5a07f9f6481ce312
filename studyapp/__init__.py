"""StudyApp: offline spaced repetition for psychedelic-assisted therapy training."""

__all__ = ["__version__"]

__version__ = "0.1.0"
