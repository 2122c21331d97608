"""The cyclic garbage collector around start-up.

Importing loadcell, then a script and its libraries, builds a few hundred thousand long-lived objects
and no garbage worth a pass; the collector's passes over them cost a fifth of a second or more of
each process's start. So collection pauses while loadcell is imported (importing this module pauses
it) and while a run starts, and what was built is frozen (`gc.freeze`) before collection resumes:
resuming without it would make the first allocation after it pay one pass over everything the
pause let pile up. The passes during the test look only at what the test makes.

Freezing is process-wide: objects that existed when loadcell was imported are no longer looked at
by the collector (reference counting still frees them). A program that imports loadcell as a
library and wants otherwise can call `gc.unfreeze()`.
"""

from __future__ import annotations

import gc

_was_enabled = gc.isenabled()
gc.disable()


def resume_after_import() -> None:
    """The end of `loadcell/__init__`: collection is as the importer had it, and what the import
    built is frozen."""
    if _was_enabled:
        settle()


def pause() -> None:
    """A run's start (the CLI's process): collection waits until `settle`."""
    gc.disable()


def settle() -> None:
    """Start-up (or loadcell's import) is done: freeze what exists, collect from here on."""
    gc.freeze()
    gc.enable()
