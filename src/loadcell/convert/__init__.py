"""`loadcell convert`: k6 JavaScript tests to loadcell Python scripts, through a real JS parser.

parse (tree-sitter) -> program (analysis, module layout) -> statements -> expressions, with the
k6 module table in modules, Faker in faker, and what could not be converted in report.
"""
