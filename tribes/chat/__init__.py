"""Chat feature."""
