"""Checks `make lint` runs beside ruff, mypy and import-linter: the design's rules that no
off-the-shelf linter knows (DESIGN.md). Run each with `python -m lint.<module>`.

- orm_writes.py: every ORM write sits in a service, a migration, a command or the demo
"""
