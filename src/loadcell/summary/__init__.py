"""The end-of-test summary: k6's data shape, its text layout and its --summary-export JSON."""
