"""The Discord adapter on discord.py: slash commands, rendering, modals and buttons."""
