# spapi-mock as a service container: the package `pip install .` gives you, serving the
# built-in fixtures. Configure it with SPAPI_MOCK_* variables (docs/testing/ci.md).
FROM python:3.11-slim

# Unbuffered, so `docker logs` shows each request's line as it is answered.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY openapi ./openapi
COPY fixtures ./fixtures
# /data is where SPAPI_MOCK_DB=/data/state.json keeps state, on a volume if you mount one.
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --no-create-home spapi \
    && mkdir /data \
    && chown 10001 /data
USER 10001

# A container is reached from outside itself: listen on every interface.
ENV SPAPI_MOCK_HOST=0.0.0.0 \
    SPAPI_MOCK_PORT=8080
EXPOSE 8080
# CI runners (GitHub Actions service containers, docker compose --wait) start the tests once this passes.
HEALTHCHECK --interval=2s --timeout=2s --start-period=5s --retries=15 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['SPAPI_MOCK_PORT']}/_mock/health\", timeout=2)"]
ENTRYPOINT ["spapi-mock"]
CMD ["serve"]
