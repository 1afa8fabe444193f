"""A progress bar for long calls: shown once a call has run for two seconds (tqdm when
it is installed, else one line on stderr), silent before that and with ``progress=False``."""
from __future__ import annotations

import sys
import time


class Progress:
    """The ``progress(done)`` callable the extension calls about every 100 ms of a long
    call, with the fraction done (0 to 1, or -1 when the library cannot tell)."""

    def __init__(self, label: str, after: float = 2.0):
        self.label, self.after, self.start = label, after, time.monotonic()
        self.bar = None
        self.shown = False

    def __call__(self, done: float) -> None:
        if not self.shown and time.monotonic() - self.start < self.after:
            return
        self.shown = True
        percent = max(0.0, min(100.0, 100.0 * done)) if done >= 0 else None
        if self.bar is None:
            try:
                from tqdm.auto import tqdm
                self.bar = tqdm(total=100, desc=self.label, unit="%", leave=False)
            except ImportError:
                self.bar = False
        if self.bar:
            if percent is not None:
                self.bar.update(percent - self.bar.n)
        else:
            text = f"{percent:5.1f}%" if percent is not None else "..."
            sys.stderr.write(f"\rlcstat {self.label}: {text}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar:
            self.bar.close()
        elif self.shown:
            sys.stderr.write("\r" + " " * 40 + "\r")
            sys.stderr.flush()


def progress_for(label: str, progress: bool) -> Progress | None:
    return Progress(label) if progress else None
