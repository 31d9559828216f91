"""Metrics: figures about projects, as stated and in canonical units, with basis and source."""
