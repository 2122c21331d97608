"""The `loadcell` command line: run, inspect and the stand-in servers."""
