"""The PySide6 desktop GUI: passive widgets over the headless services."""
