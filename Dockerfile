# The loadcell image (used by deploy/k8s): `docker build -t loadcell:0.1.0 .`
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . && useradd --uid 1000 --create-home loadcell
USER loadcell
WORKDIR /home/loadcell
ENTRYPOINT ["loadcell"]
CMD ["--help"]
