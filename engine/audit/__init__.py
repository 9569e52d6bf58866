"""Concordance audits (``guidegraph audit``): what a cohort records as done, against what the guideline says.

given.py (the given-column convention), tally.py (the numbers, defined once), recount.py (the Python path),
native.py (DuckDB), report.py (text, JSON, HTML).
"""
