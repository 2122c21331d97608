"""The one compiled part: the C response protocol (src/loadcell/http/_wire.c, its corked writes in
_outbox.c) and the ledger that turns a finished exchange into its sample row and Response
(_ledger.c, checks in _checks.c), in one module (_module.c).

It drives llhttp, which it takes at import time from httptools' parser module (httptools is a
pinned dependency); vendor/llhttp holds only llhttp's header, of the release httptools ships.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "loadcell.http._wire",
            sources=[
                f"src/loadcell/http/{name}.c"
                for name in ("_module", "_wire", "_outbox", "_ledger", "_checks")
            ],
            depends=["src/loadcell/http/_wire.h", "src/loadcell/http/_ledger.h"],
            include_dirs=["vendor/llhttp/include"],
            libraries=["dl"],
            extra_compile_args=["-O2"],
        )
    ]
)
