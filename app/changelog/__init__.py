"""The dataset changelog: what each load added, changed or removed (see queries.py)."""
