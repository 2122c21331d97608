# The loadcell image (used by deploy/k8s): `docker build -t loadcell:0.1.0 .`
# Stage 1 compiles the C part (src/loadcell/http/_wire.c, _ledger.c; vendor/llhttp's header) into a wheel.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY src ./src
COPY vendor ./vendor
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
# The Albert suite rides along, so coordinator and agents find it at the same path
# (deploy/k8s/albert runs /opt/loadcell/suite/mixed.py).
COPY tests/performance /opt/loadcell/suite
# The core install: coordinator and agents need the load tool only, not the standin or convert extras.
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels && useradd --uid 1000 --create-home loadcell
USER loadcell
WORKDIR /home/loadcell
ENTRYPOINT ["loadcell"]
CMD ["--help"]
