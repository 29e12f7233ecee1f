"""The shared kit: imports no app."""
