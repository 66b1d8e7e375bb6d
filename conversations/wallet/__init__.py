"""The financier's wallet in the bot: dashboard, cash-in, cash-out, their history."""
