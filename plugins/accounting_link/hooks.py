"""This plugin's hook implementations."""
