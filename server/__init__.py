"""The fieldsync server: Starlette HTTP API over SQLite, one writer, many readers."""
