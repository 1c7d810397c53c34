"""Foundation: the error type, names and paths, help numbers, caches, worker processes, CLDR formats, fonts."""
