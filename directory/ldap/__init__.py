"""The LDAP v3 read-only address book (ldaptor on Twisted, on the shared asyncio loop).

Serves public attributes only, built from directory entries (never credential tables): mail, cn, sn,
givenName, o, title and userCertificate;binary. liste_rouge and gone entries are never served.
"""
