"""Length-prefixed JSON messages over a socket (both ends of the sandbox use it)."""

from __future__ import annotations

import socket
import struct
from typing import Any

from .checker.wire import MAX_MESSAGE_BYTES, dumps, loads

HEADER = struct.Struct("!I")


class ChannelClosed(Exception):
    """The other end went away (process ended, or socket closed)."""


def send(sock: socket.socket, data: Any) -> None:
    raw = dumps(data)
    sock.sendall(HEADER.pack(len(raw)) + raw)


def recv(sock: socket.socket, timeout: float | None = None) -> Any:
    """Next message, or :class:`ChannelClosed`; ``TimeoutError`` after ``timeout`` seconds."""
    sock.settimeout(timeout)
    (size,) = HEADER.unpack(_exactly(sock, HEADER.size))
    if size > MAX_MESSAGE_BYTES:
        raise ChannelClosed(f"message of {size} bytes is over the limit")
    try:
        return loads(_exactly(sock, size))
    except ValueError as exc:  # not UTF-8 JSON: the other end is not speaking this protocol
        raise ChannelClosed(f"garbled message ({exc})") from exc


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        try:
            chunk = sock.recv(min(remaining, 1 << 20))
        except TimeoutError as exc:
            raise TimeoutError from exc
        except OSError as exc:
            raise ChannelClosed(str(exc)) from exc
        if not chunk:
            raise ChannelClosed("connection closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
