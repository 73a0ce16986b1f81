"""The background worker: the django-tasks API executed by huey (SQLite embedded, Redis at scale).

Work that must not hold up a request (photo analysis, reminders, purges) is a django-tasks ``@task``; the
``HueyBackend`` queues it in huey and logs it as a ``Job`` row, so a failure is visible and can be retried.
"""
