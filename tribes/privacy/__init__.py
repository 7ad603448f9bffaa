"""Privacy feature."""
