"""Moderation feature."""
