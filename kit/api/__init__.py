"""The API kit: the error handler, permission and pagination classes every app's API uses."""
