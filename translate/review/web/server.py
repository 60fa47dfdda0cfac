"""The review server's socket and uvicorn: bound to 127.0.0.1 only, whatever the port, so no other machine can
reach it; the socket is bound before the server starts, so the address printed is the one that answers."""

from __future__ import annotations

import socket

from ...errors import UserError

HOST = "127.0.0.1"


def bind(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: a free port); a UserError if the port is taken or not one."""
    if not 0 <= port <= 65535:
        raise UserError(f"--port {port}: a port is a number from 1 to 65535 (0: any free port)")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}; give another --port (or 0 for "
                        "any free one)") from None
    sock.set_inheritable(True)
    return sock


def url(sock: socket.socket, token: str) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}/?token={token}"


def make_server(app, sock: socket.socket):
    """A uvicorn server for `app` on `sock`: `.run(sockets=[sock])` serves until Ctrl-C (or `.should_exit`).
    No access log: the first request's address carries the token."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, lifespan="off",
                            limit_concurrency=64, timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024)
    return uvicorn.Server(config)
