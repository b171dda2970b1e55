"""The built-in feature plugins; each sub-package is one plugin (see docs/plugins.md)."""
