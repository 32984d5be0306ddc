"""Parts of bench/smtp_ingest.py: the load generator, the reference servers and the Caducée instance."""
