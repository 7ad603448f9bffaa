"""Meetups feature."""
