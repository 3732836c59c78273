"""Logging in with ID-porten and Ansattporten over OpenID Connect (docs/id-porten.md).

``providers`` reads the configuration and talks to the provider (through Authlib), ``services``
binds people to users and keeps the requirement, ``views`` are the pages.
"""
