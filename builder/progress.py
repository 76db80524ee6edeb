"""Progress you can see: on a terminal, one status line rewritten in place, with a bar for the
editions of a build ("[2/5]") and a clock that keeps ticking while a long step runs (the PDF);
when the output is not a terminal (a log, CI), plain lines, one per step."""
from __future__ import annotations

import re
import threading
import time

from .i18n import _

_STEP = re.compile(r"^\[(\d+)/(\d+)\]\s*")
WIDTH = 20


def bar(done: int, total: int) -> str:
    filled = round(WIDTH * done / total) if total else WIDTH
    return "[" + "█" * filled + "·" * (WIDTH - filled) + f"] {done}/{total}"


class Progress:
    """A ``progress(message)`` callback for the build; ``close()`` ends the status line."""

    def __init__(self, stream, tty: bool | None = None, tick: float = 1.0):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.tick = tick
        self.line = ""
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        if not self.tty:
            self.stream.write(message + "\n")
            self.stream.flush()
            return
        self._stop_clock()
        step = _STEP.match(message)
        self.line = f"{bar(int(step[1]), int(step[2]))} {message[step.end():]}" if step else message
        self.started = time.monotonic()
        self._draw()
        self._stop.clear()
        self._thread = threading.Thread(target=self._clock, daemon=True)
        self._thread.start()

    def _draw(self, seconds: int | None = None) -> None:
        clock = _("（{seconds} 秒）", seconds=seconds) if seconds else ""
        with self._lock:
            self.stream.write("\r\x1b[K" + self.line + clock)
            self.stream.flush()

    def _clock(self) -> None:
        while not self._stop.wait(self.tick):
            self._draw(int(time.monotonic() - self.started))

    def _stop_clock(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        self._stop_clock()
        if self.tty and self.line:
            self.stream.write("\n")
            self.stream.flush()
            self.line = ""
