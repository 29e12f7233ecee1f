"""The outbox: every notification (email, webhook) is a row written in the transaction of the
change it reports and delivered by Celery with retries. Imports no app above ``accounts``."""
