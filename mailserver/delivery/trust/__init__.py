"""The MSSanté trust space: reading the national whitelist, importing and refreshing it, and answering who may send.

`whitelist` parses the published XML, `lists` imports a file or refreshes from the configured URL (checksum,
guards, history in the store), `space` answers the MX's questions from an in-memory copy that follows the store.
"""
