"""`loadcell convert`: k6 JavaScript tests to loadcell Python scripts, through a real JS parser.

parse (tree-sitter) -> program (analysis, module layout), whose emitter is a chain of classes, each
module one layer: control (control flow) on statements (blocks, declarations, functions) on calls
(k6, JavaScript built-ins, methods) on expressions (the rest) on context (the converter's state);
literals writes Python strings, modules holds the k6 module table, faker Faker, and report what could
not be converted.
"""
