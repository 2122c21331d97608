"""The one compiled part: the C response protocol, linked with the vendored llhttp (see vendor/)."""

from setuptools import Extension, setup

LLHTTP = "vendor/llhttp"

setup(
    ext_modules=[
        Extension(
            "loadcell.http._wire",
            sources=[
                "src/loadcell/http/_wire.c",
                f"{LLHTTP}/src/llhttp.c",
                f"{LLHTTP}/src/api.c",
                f"{LLHTTP}/src/http.c",
            ],
            include_dirs=[f"{LLHTTP}/include"],
            extra_compile_args=["-O2"],
        )
    ]
)
