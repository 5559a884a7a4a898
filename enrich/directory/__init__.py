"""The org chart: sources, the model they fill, identity matching."""
