"""Request and response bodies of the console's API (separate from the store's rows)."""
