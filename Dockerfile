# The billing backend: one image for the web process (gunicorn, the default command), the
# Celery worker and Celery beat (deploy/docker-compose.yml chooses the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's run-time libraries and the fonts of the PDF templates (as scripts/system-deps.sh).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

# A non-root user with a home of its own (fontconfig keeps its cache there).
RUN groupadd --system --gid 10001 billing \
    && useradd --system --uid 10001 --gid billing --create-home --home-dir /home/billing \
        --shell /usr/sbin/nologin billing

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# The translation catalogues are built from their .po sources (make messages does the same).
RUN pybabel -q compile --domain django --directory documents/locale

# Static files are collected at build time, so the image serves them itself (whitenoise)
# and compose can hand them to nginx. The settings refuse DEBUG=false with the development
# key, so this one step gets a throw-away key; the running container gets the real
# SECRET_KEY from its environment. media/ is created for the billing user so a named
# volume mounted there starts out writable.
RUN SECRET_KEY=collectstatic-at-build-time-only-not-a-secret DEBUG=false \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media \
    && chown -R billing:billing /app/staticfiles /app/media

USER billing
EXPOSE 8000

# gunicorn settings from deploy/gunicorn.conf.py (GUNICORN_WORKERS defaults to the CPUs the
# container sees: set it when you limit the container's CPUs).
CMD ["gunicorn", "core.wsgi:application", "--config", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
