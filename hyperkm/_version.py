"""The package version (one place, imported by the client for its User-Agent)."""

__version__ = "0.1.0"
