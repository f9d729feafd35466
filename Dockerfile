# One image for both roles: `web` (gunicorn) and `worker` (celery + sandbox).
FROM python:3.11-slim-bookworm

# The CPU build of torch: the default index would install a multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # GNU OpenMP is not fork-safe: the sandbox forks from a torch-loaded zygote.
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1

WORKDIR /app
COPY requirements.txt ./
RUN pip install --index-url "$TORCH_INDEX_URL" "$(grep -E '^torch==' requirements.txt)" \
    && pip install -r requirements.txt

COPY . .
# var/ is where the SQLite default would live (unused in production), and settings
# create it at start-up: it must already exist on the read-only worker filesystem.
# Collected once into the image, served by WhiteNoise (a throwaway key: the command
# needs settings, not secrets).
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0
RUN useradd --system --uid 10001 --home /app actquiz \
    && mkdir -p var \
    && chown -R actquiz:actquiz var

# The web role runs unprivileged; the worker's compose service runs as root on
# purpose (its sandbox drops each child to nobody, see docker-compose.yml).
USER actquiz
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]
CMD ["gunicorn", "actquiz.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
