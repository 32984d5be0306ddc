"""Pure decisions: frozen dataclasses of facts in, a `Decision` out. Standard library only.

One rule per module, each with a table-driven test. Nothing here performs I/O or reads configuration.
"""
