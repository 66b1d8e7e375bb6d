"""Optional cProfile over the measured window (``--profile DIR``), to see where time goes.

The profile covers everything on the event loop's thread in the window: the bot under
test, the sandbox and the load generator (they share the process). Profiling slows
everything down, so numbers from a profiled run are not reported as results.
"""

from __future__ import annotations

import cProfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ProfilerProbe:
    """A window probe that profiles the window and writes ``<directory>/<name>.prof``."""

    directory: Path
    name: str
    _profiler: cProfile.Profile = field(default_factory=cProfile.Profile)

    @property
    def path(self) -> Path:
        return self.directory / f"{self.name}.prof"

    def begin(self) -> None:
        self._profiler.enable()

    def end(self) -> None:
        self._profiler.disable()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._profiler.dump_stats(self.path)

