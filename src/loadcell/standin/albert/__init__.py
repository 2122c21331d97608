"""A local stand-in for the Albert Invent REST API, faithful enough for the official SDK.

Start it with ``loadcell standin albert`` (or ``python -m loadcell.standin.albert``); build the
app in-process with ``create_app(StandinConfig(...))``.
"""
