"""Pure media library: storage, probing, encoding. Never imports Flask or the database."""
