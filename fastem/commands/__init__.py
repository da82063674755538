"""The command line, ``fastem demo | fit | bench | warmup``: one module per command,
``cli`` the entry point (``fastem = "fastem.commands.cli:main"``)."""
