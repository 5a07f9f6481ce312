"""Pure-Python core: value types, scheduling and study-day rules. Imports no Qt and no storage."""
