"""Organisations and people: who owns, builds, finances and speaks."""
