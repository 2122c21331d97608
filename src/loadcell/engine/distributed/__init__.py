"""Multi-process runs: a coordinator splits the test by execution segments across worker processes
(`pool`), which run here (`worker`) or on other machines as agents that dial in (`agents`); both
sides speak the typed messages of `protocol`."""
