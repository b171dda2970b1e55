"""The custom_fields plugin's hook implementations."""
