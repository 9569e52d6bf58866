"""The guideline language: grammar, syntax tree, parser and formatter. Knows nothing about medicine."""
