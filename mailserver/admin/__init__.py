"""Administrative services behind the `caducee` commands: instances, mailboxes, patients, audit.

A services-layer package: it combines the store, the crypto and the policies; the CLI only parses arguments
and prints what these functions return.
"""
