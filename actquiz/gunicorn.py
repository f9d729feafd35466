"""gunicorn settings shared by every way ActQuiz runs it: compose, the image, bench, tests.

Threaded workers, because a request that long-polls for a verdict (``?wait=``) holds
its thread while it waits; ``ACTQUIZ_LONG_POLL_SLOTS`` (default 6) stays below
``threads`` so pages and submissions are served meanwhile. Each thread keeps its own
database connection: workers x threads connections per web host.
"""

import os

worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
