# spapi-mock as a service container: the same package `pip install .` gives you.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY openapi ./openapi
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . && useradd --system spapi
USER spapi

# Inside a container the server must listen on all interfaces to be reachable.
ENV SPAPI_MOCK_HOST=0.0.0.0 \
    SPAPI_MOCK_PORT=8080
EXPOSE 8080
CMD ["sh", "-c", "exec spapi-mock serve --host \"$SPAPI_MOCK_HOST\" --port \"$SPAPI_MOCK_PORT\""]
