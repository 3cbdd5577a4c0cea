"""Piccolo tables, migrations and the service functions that own every transaction."""
