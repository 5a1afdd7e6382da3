"""Leeratelier: the platform-neutral core of the community assistant."""
