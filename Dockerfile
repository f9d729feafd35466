# One image for both roles: `web` (gunicorn) and `worker` (celery + sandbox).
# Two stages: the builder has the compilers and headers wheels may need and builds a
# virtualenv; the runtime gets only that virtualenv and the code, no build tools.

FROM python:3.11-slim-bookworm AS builder

# The CPU build of torch: the default index would install a multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# For any requirement that has no wheel for this platform and builds from source.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential gettext \
    && rm -rf /var/lib/apt/lists/*

# The pages' translations are compiled here (msgfmt needs gettext, which the runtime
# image does not carry) and copied next to their .po files below.
COPY locale /build/locale
RUN for po in /build/locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "${po%.po}.mo" "$po"; done

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install --index-url "$TORCH_INDEX_URL" "$(grep -E '^torch==' /tmp/requirements.txt)" \
    && pip install -r /tmp/requirements.txt


FROM python:3.11-slim-bookworm AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    # GNU OpenMP is not fork-safe: the sandbox forks from a torch-loaded zygote.
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    # Structured logs for the log collector; LOG_FORMAT=plain for people.
    LOG_FORMAT=json

# psycopg[binary] brings its own libpq: the runtime needs no Debian packages.
RUN useradd --system --uid 10001 --home /app actquiz

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . .
COPY --from=builder /build/locale /app/locale
# var/ is where the SQLite default would live (unused in production), and settings
# create it at start-up: it must already exist on the read-only worker filesystem.
# Static files are collected once into the image and served by WhiteNoise (a
# throwaway key: the command needs settings, not secrets).
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0 \
    && mkdir -p var \
    && chown -R actquiz:actquiz var

# The web role runs unprivileged; the worker's compose service runs as root on
# purpose (its sandbox drops each child to nobody, see docker-compose.yml).
USER actquiz
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]
CMD ["gunicorn", "actquiz.wsgi", "-c", "python:actquiz.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3"]
