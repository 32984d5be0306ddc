"""The practitioner directory: practitioners, organisations, mailboxes and their certificates.

Owns the national extraction import, search, the local mailboxes' entries, and the HTTP, FHIR and LDAP views.
It never imports `mailserver` or `webmail`: the runtime hands it an SQLAlchemy `AsyncEngine` and whatever
callables it needs (authentication, credential checks). It never reads credential tables.
"""
