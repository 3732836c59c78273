"""The versioned read API for systems (``/api/v1/``): bearer tokens in the Maskinporten style,
scoped through the same access module as the pages (docs/api.md)."""
