"""Parts of the IMAP benchmark (bench/imap.py): the corpus, our instance, the private Dovecot, the wire client,
the operations, the load, the report and the profiles.

Loaded by bench/imap.py under its own name `imapbench`, from this folder, whether the benchmark runs as a file or
as `python -m bench.imap` (what `make bench` does); the folder is not named `imap`, which would shadow bench/imap.py.
"""
