"""Meetings and reminders: /bijeenkomst, /agenda, /herinner, RSVPs and their renderers."""
