"""``python -m engine`` is the ``guidegraph`` command."""

from engine.cli import main

raise SystemExit(main())
