"""Options: k6's option names, values and validation, as pydantic models."""
