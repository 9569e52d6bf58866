"""Resolve, compile, evaluate and check guidelines. Knows nothing about any particular disease."""
