"""``rasa run`` with the serving patches of ``bot.patches`` and the API token read from a file.

``python -m bot.serve run ...`` takes the same arguments as ``rasa run``; ``make start``
uses it. It applies ``bot.patches`` (each only on the Rasa/TensorFlow/library versions it
was tested on; the package's docstring lists them with their reasons and measured gains),
adds the API token from its private file, and runs Rasa's own command line.
``RASA_STOCK=1 make start`` runs plain ``rasa run`` instead.
"""

from __future__ import annotations

import os
import sys
from typing import List


def api_token_from_file(argv: List[str]) -> List[str]:
    """Rasa's arguments with ``--auth-token`` added from the token file, not the command line.

    ``ps`` shows every process's arguments to every local user, so the start scripts do
    not pass the token: with ``--enable-api`` it is read here from ``RASA_API_TOKEN_FILE``
    (default ``.cache/rasa_api_token``, kept 0600; ``bot.stores.private_files``) and given to Rasa
    inside this process. Without a token the API would be open, so the server refuses
    to start.
    """
    if "--enable-api" not in argv or any(a == "--auth-token" or a.startswith("--auth-token=") for a in argv):
        return argv
    from bot.stores.private_files import read_token, token_file

    token = read_token()
    if not token:
        raise SystemExit(f"--enable-api needs the API token in {token_file()} (or RASA_API_TOKEN_FILE)")
    os.environ.pop("RASA_API_TOKEN", None)  # not inherited by anything this process starts
    return argv + ["--auth-token", token]


def main() -> None:
    from bot import patches

    outcome = patches.apply()
    applied = sum(result == patches.APPLIED for result in outcome.values())
    # Before Rasa configures logging, so on stderr (the start script's terminal, the tests' log).
    print(f"[bot.serve] serving patches: {applied} of {len(patches.PATCHES)} applied"
          + "".join(f"; {name} {result}" for name, result in outcome.items() if result != patches.APPLIED)
          + " (python -m bot.patches lists them)", file=sys.stderr, flush=True)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa"] + api_token_from_file(sys.argv[1:])
    rasa_main()


if __name__ == "__main__":
    main()
