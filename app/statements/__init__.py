"""Statements: who said what, where, as reported by a source."""
