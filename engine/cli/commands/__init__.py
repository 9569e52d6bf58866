"""One module per ``guidegraph`` subcommand, each exporting ``add_arguments`` and ``run``."""
