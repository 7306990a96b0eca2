"""Adapters: the only places that use private internals of a pinned library, one module per library.

Each adapter names its library (``LIBRARY``, as pinned in ``pyproject.toml``), the version it was
written against (``WRITTEN_FOR``) and the internals it relies on (``INTERNALS``: a check per
internal). ``tests/test_adapters.py`` fails, naming the library, the pin and the internal, when the
installed version differs or an internal is gone: then read the library's changes and adapt here.
"""
