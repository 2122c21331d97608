"""`python -m loadcell.cli.worker`: a local worker process, as the coordinator's pool starts it.

The command line owns the process: it sets up k6's log lines (secrets masked, as the coordinator
writes them), runs the worker and exits with the worker's code.
"""

from __future__ import annotations

import os
import sys

from loadcell import _collector
from loadcell.cli.logs import setup_logging
from loadcell.engine.distributed.worker import main


def run() -> None:
    import uvloop

    setup_logging(False)
    _collector.settle()
    code = uvloop.run(main())
    # Everything is reported: skip the interpreter's shutdown, which would wait for any thread a
    # script left running.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
