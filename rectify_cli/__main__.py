"""Start rectify: `python -m rectify_cli` and the `rectify` console script."""

import os


def run() -> None:
    """Run the command line; pydantic is told not to scan installed packages for plugins."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # saves start-up time
    from .cli import main

    main()


if __name__ == "__main__":
    run()
