"""SQLModel (and pydantic) imported whole, once, by one thread at a time: imported first by
each of StudyApp's modules that uses SQLModel. Why: :mod:`studyapp.core.pydanticload`."""

from __future__ import annotations

from studyapp.core.pydanticload import load_sqlmodel

__all__: list[str] = []

load_sqlmodel()
