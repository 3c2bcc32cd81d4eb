"""Background work of the server: the Web Push sender (and the deadline sweep)."""
