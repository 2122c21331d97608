"""The cyclic garbage collector around start-up.

Importing loadcell, then a script and its libraries, builds a few hundred thousand long-lived objects
and no garbage worth a pass; the collector's passes over them cost about a tenth of a second of each
process's start. So collection pauses while loadcell is imported (importing this module pauses it)
and while a run starts, and what start-up built is frozen (`gc.freeze`) before the VUs run, so the
passes during the test look only at what the test makes.
"""

from __future__ import annotations

import gc

_was_enabled = gc.isenabled()
gc.disable()


def resume_after_import() -> None:
    """The end of `loadcell/__init__`: collection is as the importer had it."""
    if _was_enabled:
        gc.enable()


def pause() -> None:
    """A run's start (the CLI's process): collection waits until `settle`."""
    gc.disable()


def settle() -> None:
    """Start-up is done and the VUs are about to run: freeze what exists, collect from here on."""
    gc.freeze()
    gc.enable()
