"""The /connect conversation: consent to social connect and the member's shared profile."""
