"""A gunicorn worker loads the URL configuration and freezes what it holds before its first
request (config/gunicorn.py: post_worker_init), so full collections skip those objects."""

import gc

from config import gunicorn


def test_the_worker_loads_the_urls_and_freezes_its_objects():
    gc.unfreeze()
    try:
        gunicorn.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
