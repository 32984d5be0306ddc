"""Helpers of the IMAP benchmark (bench/imap.py): the corpus, our instance, the private Dovecot, the wire client.

Loaded by bench/imap.py under the name `imapbench` (bench/ is not on sys.path: its scripts would shadow packages).
"""
