"""The static release portal (templates, assets and the builder)."""
