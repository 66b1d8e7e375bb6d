"""Bot API method implementations, registered by name in `sandbox.methods.base.METHODS`.

Importing this package registers every method.
"""

from sandbox.methods import media, messages, settings, updates
from sandbox.methods.base import METHODS, MethodContext, Params, UploadedFile

__all__ = [
    "METHODS",
    "MethodContext",
    "Params",
    "UploadedFile",
    "media",
    "messages",
    "settings",
    "updates",
]
