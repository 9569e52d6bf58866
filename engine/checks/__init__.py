"""Checker passes over a compiled guideline; each module exports one function named after it."""
