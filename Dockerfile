# syntax=docker/dockerfile:1
#
# One image for every Gongzhi process. The process is chosen by the argument to
# `python -m chassis.runner`: residents | health | metrics | gateway.
#
#   docker build -t gongzhi:0.1.0 .
#   docker run --rm -p 8080:8080 gongzhi:0.1.0 health      # any service, same image
#   docker build --build-arg SERVICE=health -t gongzhi-health:0.1.0 .   # default CMD = health
#
# The Kubernetes manifests (deploy/k8s) use the one image `gongzhi:<version>` and set
# `args: [<service>]` on each Deployment, so the SERVICE build argument only changes what
# `docker run` starts when no argument is given.
#
# Runtime contract: non-root (uid/gid 10001), nothing written to the image's filesystem
# (run it with a read-only root; only /tmp may be a writable mount), HTTP on
# GONGZHI_HTTP_HOST:GONGZHI_HTTP_PORT (0.0.0.0:8080 here) with /health/live,
# /health/ready and /metrics.

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# ------------------------------------------------------------ console stage
# The community console (web/) is built here and served by the gateway from the runtime
# image's /opt/gongzhi/web/dist (docs/adr/0012-console.md). Only the built files go on.
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/index.html web/vite.config.ts web/tsconfig.json ./
COPY web/src ./src
RUN npm run build

# ---------------------------------------------------------------- build stage
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# A virtualenv is copied whole into the runtime stage: no compiler, pip cache or
# source tree reaches the final image.
RUN python -m venv /opt/gongzhi
ENV PATH=/opt/gongzhi/bin:$PATH

WORKDIR /src
# `pip install .` resolves the exact pins in pyproject.toml and installs the four packages.
COPY pyproject.toml README.md* ./
COPY chassis ./chassis
COPY contracts ./contracts
COPY services ./services
COPY gateway ./gateway
RUN pip install . \
 && python -m compileall -q /opt/gongzhi/lib

# -------------------------------------------------------------- runtime stage
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE=gateway
ARG VERSION=0.1.0

LABEL org.opencontainers.image.title="gongzhi" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.description="Gongzhi service process (python -m chassis.runner <service>)"

RUN groupadd --system --gid 10001 gongzhi \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin gongzhi

COPY --from=build /opt/gongzhi /opt/gongzhi
# The console's static files (read-only; only the gateway serves them).
COPY --from=web /web/dist /opt/gongzhi/web/dist

ENV PATH=/opt/gongzhi/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GONGZHI_HTTP_HOST=0.0.0.0 \
    GONGZHI_HTTP_PORT=8080 \
    GONGZHI_SERVICE=${SERVICE}

# Nothing in the image is writable by the app; the working directory is only a cwd.
WORKDIR /opt/gongzhi
USER 10001:10001
EXPOSE 8080

# Docker's own check (Kubernetes uses the probes in deploy/k8s instead).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os,urllib.request;urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('GONGZHI_HTTP_PORT','8080'), timeout=2)"]

# `docker run IMAGE` starts $GONGZHI_SERVICE (the SERVICE build argument);
# `docker run IMAGE residents` (or Kubernetes `args: [residents]`) starts that one.
ENTRYPOINT ["/bin/sh", "-c", "exec python -m chassis.runner \"${1:-$GONGZHI_SERVICE}\"", "gongzhi"]
CMD []
