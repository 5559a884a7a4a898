"""enrich: GitHub Copilot feature engagement joined with the org chart."""

__version__ = "0.1.0"
