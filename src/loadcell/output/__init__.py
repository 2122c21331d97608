"""Outputs: where samples go besides the summary. One file per output, one small interface."""
