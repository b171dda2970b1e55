"""Messaging's hook implementations."""
