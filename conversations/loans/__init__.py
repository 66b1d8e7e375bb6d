"""The borrower's loans in the bot: applying (with a preview of the schedule), "My loans",
a loan's page and withdrawing an application."""
