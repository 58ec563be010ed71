"""Count the Redis commands and round trips this process sends (a counting connection).

Server-wide ``INFO commandstats`` would also count other clients of a shared Redis; this counts
only ours. A pipeline or MGET is one round trip; each command inside a pipeline is one command.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from redis.connection import AbstractConnection


@dataclass
class RedisCount:
    round_trips: int = 0
    commands: int = 0
    names: dict[str, int] | None = None


_lock = threading.Lock()


@contextlib.contextmanager
def counting_redis() -> Iterator[RedisCount]:
    count = RedisCount(names={})
    original_send_command = AbstractConnection.send_command
    original_pack_commands = AbstractConnection.pack_commands

    def send_command(self, *args, **kwargs):
        with _lock:
            count.round_trips += 1
            count.commands += 1
            name = str(args[0]).upper() if args else "?"
            count.names[name] = count.names.get(name, 0) + 1
        return original_send_command(self, *args, **kwargs)

    def pack_commands(self, commands):
        commands = list(commands)
        with _lock:
            count.round_trips += 1
            count.commands += len(commands)
        return original_pack_commands(self, commands)

    AbstractConnection.send_command = send_command
    AbstractConnection.pack_commands = pack_commands
    try:
        yield count
    finally:
        AbstractConnection.send_command = original_send_command
        AbstractConnection.pack_commands = original_pack_commands
