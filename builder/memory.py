"""The cyclic garbage collector, paused while a site is read and checked.

Reading a site makes hundreds of thousands of small objects that all stay alive until the
check is done (10,000 projects: about 400,000), and Python's collector walks every one of
them again and again as they are made: a third of the time of reading such a file. None of
them form cycles that need collecting before the work ends, so the collector is paused for
the duration of the work and runs once afterwards; reference counting still frees
everything else as usual. Nested pauses are fine; the collector resumes with the outermost.
"""
from __future__ import annotations

import functools
import gc


def paused_gc(work):
    """Decorate ``work`` so that it runs with the cyclic collector paused."""

    @functools.wraps(work)
    def run(*args, **kwargs):
        if not gc.isenabled():  # already paused (nested), or paused by the caller
            return work(*args, **kwargs)
        gc.disable()
        try:
            return work(*args, **kwargs)
        finally:
            gc.enable()

    return run
