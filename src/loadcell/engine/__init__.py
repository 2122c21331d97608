"""The engine: script loading, VUs, executors and the scheduler that runs scenarios."""
