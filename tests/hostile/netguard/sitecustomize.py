"""A socket guard: any attempt to reach the network is logged and refused.

The hostile suite installs it in its own process (conftest.py) and, for real ``kitgen``
processes, puts this folder on PYTHONPATH so that Python imports it at start-up as
``sitecustomize`` (with KITGEN_SOCKET_LOG naming the log). A test passes only if the log stays
empty: a refused connection that kitgen swallowed would otherwise go unnoticed. Local
(AF_UNIX) sockets are allowed; nothing in kitgen uses them, but the standard library may.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any


def install(log: str) -> None:
    if getattr(socket, "_kitgen_guard", None) == log:
        return

    def refuse(what: str, detail: Any) -> None:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"pid {os.getpid()}: {what} {detail!r}\n")
        raise OSError(errno.ENETUNREACH, f"network refused by the kitgen test guard: {what}")

    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    sendto = socket.socket.sendto

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family == getattr(socket, "AF_UNIX", None):
            return connect(self, address)
        refuse("connect", address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family == getattr(socket, "AF_UNIX", None):
            return connect_ex(self, address)
        refuse("connect_ex", address)

    def guarded_sendto(self: socket.socket, *args: Any) -> Any:
        if self.family == getattr(socket, "AF_UNIX", None):
            return sendto(self, *args)
        refuse("sendto", args[-1])

    def lookup(name: str) -> Any:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refuse(name, args[:2])

        return guarded

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = guarded_sendto  # type: ignore[method-assign,assignment]
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, lookup(name))
    socket._kitgen_guard = log  # type: ignore[attr-defined]


if os.environ.get("KITGEN_SOCKET_LOG"):
    install(os.environ["KITGEN_SOCKET_LOG"])
