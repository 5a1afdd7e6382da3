"""The Telegram adapter on python-telegram-bot: translation, rendering and pacing."""
