"""gunicorn settings for `make serve` and the deployment recipes (deploy/).

Every value can be changed from the environment: WEB_BIND (or PORT), WEB_WORKERS,
WEB_THREADS, WEB_TIMEOUT. Run: gunicorn -c config/gunicorn.py config.wsgi
"""

import os

bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}"
# Two processes per core plus one is gunicorn's rule of thumb; each process also
# has a few threads so a slow search-engine answer does not hold a whole process.
workers = int(os.environ.get("WEB_WORKERS") or (os.cpu_count() or 1) * 2 + 1)
threads = int(os.environ.get("WEB_THREADS") or 4)
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# A process is replaced after this many requests (and a random few more), so memory
# that grows slowly never grows for long.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS") or 20000)
max_requests_jitter = 2000
# Django logs one line per request itself (with its request id, LOG_FORMAT=json).
accesslog = None
errorlog = "-"
# The proxy in front sets X-Forwarded-*; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
# Load the app once and fork: less memory per process and a failed start fails fast.
preload_app = True
# With LOG_FORMAT=json gunicorn's own lines (start, worker exits, timeouts) are JSON
# objects too, like the site's (operations/logs.py).
if os.environ.get("LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "operations.logs.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json"}
        },
        "loggers": {
            "gunicorn.error": {
                "handlers": ["console"],
                "level": "INFO",
                "propagate": False,
            }
        },
    }
