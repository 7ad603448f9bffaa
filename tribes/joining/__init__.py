"""Joining a listed tribe: join requests with questions, vouching and a quiet decline."""
