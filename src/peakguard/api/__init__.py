"""The HTTP API: FastAPI, one router per resource, schemas apart from tables."""
