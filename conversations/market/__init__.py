"""The financiers' list of loans open for funding, with each borrower's connection score."""
