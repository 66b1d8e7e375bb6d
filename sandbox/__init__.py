"""Local Telegram Bot API emulator with a user-side API and a web chat (see README.md)."""
