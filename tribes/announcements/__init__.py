"""Announcements: organisers tell the whole tribe, or the people of one meetup, something."""
