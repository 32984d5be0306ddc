"""Cryptography of Caducée: the development PKI, DN forms, TLS contexts, chain and revocation checks, DKIM keys.

Owns every use of the `cryptography` package and of `ssl` context building. It never opens a socket, never reads
the configuration or the environment (paths, anchors and the clock are passed in), and never touches a database.
Import the submodules directly (`mailserver.crypto.pki`, `.tls`, `.names`, ...): this package imports nothing, so
importing one part does not load the others.
"""
