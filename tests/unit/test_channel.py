"""The sandbox's message framing (autograder.channel) over a real socket pair: a message split across reads, an
oversized one refused, a closed or garbled stream."""

from __future__ import annotations

import socket
import threading

import pytest

from autograder import channel
from autograder.checker.wire import MAX_MESSAGE_BYTES, dumps


@pytest.fixture
def pair():
    left, right = socket.socketpair()
    yield left, right
    left.close()
    right.close()


def test_a_message_sent_in_pieces_arrives_whole(pair):
    left, right = pair
    raw = dumps({"numbers": list(range(1000)), "text": "é" * 100})
    framed = channel.HEADER.pack(len(raw)) + raw

    def dribble():
        for start in range(0, len(framed), 7):  # 7 bytes at a time: the header itself is split
            left.sendall(framed[start : start + 7])

    writer = threading.Thread(target=dribble)
    writer.start()
    assert channel.recv(right, timeout=5) == {"numbers": list(range(1000)), "text": "é" * 100}
    writer.join()


def test_messages_keep_their_order_and_bounds(pair):
    left, right = pair
    for message in ({"a": 1}, [], "", None, {"b": [1.5, True]}):
        channel.send(left, message)
    assert [channel.recv(right, timeout=5) for _ in range(5)] == [{"a": 1}, [], "", None, {"b": [1.5, True]}]


def test_an_oversized_message_is_refused_before_it_is_read(pair):
    left, right = pair
    left.sendall(channel.HEADER.pack(MAX_MESSAGE_BYTES + 1))  # the header alone: nothing more is waited for
    with pytest.raises(channel.ChannelClosed, match="over the limit"):
        channel.recv(right, timeout=5)


def test_an_empty_read_is_a_closed_channel(pair):
    left, right = pair
    left.close()
    with pytest.raises(channel.ChannelClosed, match="connection closed"):
        channel.recv(right, timeout=5)


def test_a_stream_closed_mid_message_is_a_closed_channel(pair):
    left, right = pair
    left.sendall(channel.HEADER.pack(100) + b'{"half')
    left.close()
    with pytest.raises(channel.ChannelClosed):
        channel.recv(right, timeout=5)


def test_bytes_that_are_not_json_are_a_garbled_message(pair):
    left, right = pair
    left.sendall(channel.HEADER.pack(4) + b"\xff\xfe{[")
    with pytest.raises(channel.ChannelClosed, match="garbled"):
        channel.recv(right, timeout=5)


def test_silence_is_a_timeout(pair):
    with pytest.raises(TimeoutError):
        channel.recv(pair[1], timeout=0.05)
