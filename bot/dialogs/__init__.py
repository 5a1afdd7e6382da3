"""Declared forms, the dialog engine that walks them, and the client-data guard it runs."""
