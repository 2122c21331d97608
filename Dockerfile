# The loadcell image (used by deploy/k8s): `docker build -t loadcell:0.1.0 .`
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
# The Albert suite rides along, so coordinator and agents find it at the same path
# (deploy/k8s/albert runs /opt/loadcell/suite/mixed.py).
COPY tests/performance /opt/loadcell/suite
RUN pip install --no-cache-dir . && useradd --uid 1000 --create-home loadcell
USER loadcell
WORKDIR /home/loadcell
ENTRYPOINT ["loadcell"]
CMD ["--help"]
