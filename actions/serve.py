"""Start the action server on loopback, answering only Rasa: ``python -m actions.serve``.

Same arguments as ``python -m rasa_sdk`` (``--actions actions --port 5055``), plus:

- ``--interface`` (or ``ACTION_HOST``; default ``127.0.0.1``): where it listens.
  rasa_sdk alone listens on every interface, so anyone who could reach the port could
  call actions directly, bypassing the channels' guard (issue 15 item 6).
- ``ACTION_SERVER_TOKEN``: when set, every request but ``/health`` must carry it in the
  ``X-Action-Token`` header, which Rasa sends (``endpoints.yml``,
  ``deploy/endpoints.scale-out.yml``); others get 401. ``scripts/env.sh`` generates one
  into a 0600 file. Listening beyond loopback without a token is refused.
- With one worker (``ACTION_SERVER_SANIC_WORKERS`` unset or 1, the default) it serves
  in this process. rasa_sdk would start Sanic's worker manager, which spawns a fresh
  interpreter that imports everything again beside a manager and a resource tracker:
  about 65 MB and a second of start for nothing on a small server (issue 18).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import sys
from typing import Any, List, Optional

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
TOKEN_HEADER = "X-Action-Token"
DEFAULT_HOST = "127.0.0.1"
REFUSED_TEXT = "Chỉ máy chủ Rasa được gọi máy chủ hành động (thiếu hoặc sai mã X-Action-Token)."


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_matches(given: Optional[str], token: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


def create_guarded_app(*args: Any, **kwargs: Any) -> Any:
    """rasa_sdk's app, with the token check in front when a token is configured.

    Module-level so Sanic's app loader can rebuild it in each worker process.
    """
    from rasa_sdk.endpoint import create_app_for_serve
    from sanic import response

    build = getattr(create_app_for_serve, "original", create_app_for_serve)
    app = build(*args, **kwargs)
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        @app.on_request
        async def require_token(request: Any) -> Any:
            if request.path == "/health" or token_matches(request.headers.get(TOKEN_HEADER), token):
                return None
            return response.json({"error": REFUSED_TEXT}, status=401)
    return app


def serve_in_this_process() -> None:
    """Make rasa_sdk's ``Sanic.serve`` serve here when it asks for one worker."""
    from rasa_sdk.utils import number_of_sanic_workers
    from sanic import Sanic

    if number_of_sanic_workers() != 1 or getattr(Sanic.serve, "single", False):
        return

    def serve(primary: Any = None, *, app_loader: Any = None, factory: Any = None) -> None:
        from actions import knowledge_service

        knowledge_service.start_warm_up()  # what a spawned worker does when it starts
        Sanic.serve_single(primary)

    serve.single = True  # type: ignore[attr-defined]
    Sanic.serve = serve  # type: ignore[method-assign]


def main(argv: Optional[List[str]] = None) -> None:
    import rasa_sdk.endpoint as endpoint
    from rasa_sdk.__main__ import main_from_args

    parser = endpoint.create_argument_parser()
    parser.add_argument("--interface", default=os.environ.get("ACTION_HOST") or DEFAULT_HOST,
                        help="address to listen on (default 127.0.0.1; ACTION_HOST)")
    args = parser.parse_args(argv)
    if not is_loopback(args.interface) and not os.environ.get(TOKEN_VARIABLE, "").strip():
        sys.exit(f"The action server listens on {args.interface} only with {TOKEN_VARIABLE} set "
                 "(Rasa sends it in the X-Action-Token header).")
    os.environ["SANIC_HOST"] = args.interface  # where rasa_sdk's run() binds
    if endpoint.create_app_for_serve is not create_guarded_app:  # run() builds its app loader from it
        create_guarded_app.original = endpoint.create_app_for_serve  # type: ignore[attr-defined]
        endpoint.create_app_for_serve = create_guarded_app
    serve_in_this_process()
    main_from_args(args)


if __name__ == "__main__":
    main()
