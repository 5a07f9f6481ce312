"""StudyApp: offline spaced repetition for psychedelic-assisted therapy training."""

from studyapp.core.codecache import install as _keep_dataclass_code

# Before any of StudyApp's dataclasses is made: their generated methods' code is compiled
# once and kept, as a module's bytecode is (studyapp.core.codecache).
_keep_dataclass_code()

__all__ = ["__version__"]

__version__ = "0.1.0"
