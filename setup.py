"""The one compiled part, one module (src/loadcell/http/_module.c): the C HTTP/1.1 connection
(_wire.c; its response side on llhttp, _response.c; corked writes, _outbox.c) and the ledger that
turns a finished exchange into its sample row and Response (_ledger.c; tag-set keys, _keys.c;
checks, _checks.c).

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
                for name in ("_module", "_wire", "_response", "_outbox", "_ledger", "_keys", "_checks")
            ],
            depends=["src/loadcell/http/_wire.h", "src/loadcell/http/_ledger.h"],
            include_dirs=["vendor/llhttp/include"],
            libraries=["dl"],
            extra_compile_args=["-O2"],
        )
    ]
)
