"""Authentication shared by SMTP, IMAP, LDAP and the webmail: passwords, OIDC tokens, client certificates.

Owns the decision "who is this client" and the failure rate limits. It never writes to a socket; protocol
adapters turn its answers into their replies.
"""
