"""UI helpers shared by the conversation flows: callbacks, keyboards, text formatting."""
