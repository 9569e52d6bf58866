"""The language server (``guidegraph lsp``): the diagnostics of ``check`` where the author types, and hover, go to
definition, find references, rename, completion, formatting and an outline for ``.rules`` files.

:mod:`engine.lsp.index` and :mod:`engine.lsp.features` are plain Python over the syntax tree (no editor protocol);
:mod:`engine.lsp.server` wires them to the Language Server Protocol with pygls, an optional dependency (the
``lsp`` extra), imported only by the ``lsp`` command.
"""
