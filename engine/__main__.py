"""``python -m engine`` is the ``guidegraph`` command."""

from engine.cli.main import main

raise SystemExit(main())
