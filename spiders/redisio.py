"""How a Redis worker talks to Redis, cheaply: requests serialised without searching the spider, Lua scripts
called by SHA1, and the pop sent without waiting for its answer (spiders/redis_compat.py ``Scheduler``).

A blocking pop stalls the reactor for a round trip to redis-server — a fifth of a worker's reactor time on a
busy machine (bench/README.md, part w). Here the pop is written to a connection of its own and the answer
is read when its socket becomes readable; every other call of the scheduler reads a pending answer first,
so Redis still runs the scheduler's calls in the order they were made (nothing a request produced can
overtake its release) and a killed worker loses nothing: a popped request is in the in-flight hash from the
Lua call on, whether or not its answer has been read."""
from __future__ import annotations

import asyncio

from redis.exceptions import NoScriptError
from scrapy import Request


class PopChannel:
    """One connection for the scheduler's pops: ``send`` writes one, ``take`` reads its answer."""

    def __init__(self, server, source: str):
        self.server, self.source = server, source
        self.conn = None
        self.sha = None
        self.pending = None      # (keys, args, context) of the pop whose answer is not read yet
        self._loop = None

    def open(self, on_answer) -> None:
        self.conn = self.server.connection_pool.make_connection()
        self.conn.connect()
        self.conn.send_command("SCRIPT", "LOAD", self.source)
        self.sha = self.conn.read_response()
        self._loop = asyncio.get_event_loop()
        self._loop.add_reader(self._fd(), on_answer)

    def _fd(self) -> int:
        return self.conn._sock.fileno()      # redis-py keeps the socket private; the reactor needs its fd

    def send(self, keys: list, args: list, context) -> None:
        self.conn.send_command("EVALSHA", self.sha, len(keys), *keys, *args)
        self.pending = (keys, args, context)

    def answered(self) -> bool:
        return self.pending is not None and self.conn.can_read(timeout=0)

    def take(self):
        """The pending pop's answer (waits for it if need be) and its context."""
        keys, args, context = self.pending
        self.pending = None
        try:
            got = self.conn.read_response()
        except NoScriptError:    # the server lost its scripts: nothing ran, run it again in full
            got = self.server.eval(self.source, len(keys), *keys, *args)
        return got, context

    def close(self) -> None:
        if self.conn is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._fd())
            self.conn.disconnect()
            self.conn = None


def _method_name(spider, func) -> str | None:
    """The spider attribute naming the bound method *func*: its own name, checked to give back the same
    function (Request.to_dict looks it up with inspect.getmembers over the whole spider, every request);
    None when that check fails (Scrapy's lookup then)."""
    fn = getattr(func, "__func__", None)
    name = getattr(fn, "__name__", None)
    if name and getattr(getattr(spider, name, None), "__func__", None) is fn:
        return name
    return None


def request_dict(request, spider) -> dict:
    """``request.to_dict(spider=spider)``, the same dict, without Scrapy's search over the spider's members."""
    names = {}
    for part in ("callback", "errback"):
        func = getattr(request, part)
        if callable(func):
            names[part] = _method_name(spider, func)
            if names[part] is None:
                return request.to_dict(spider=spider)
        else:
            names[part] = func
    d = {"url": request.url, **names, "headers": dict(request.headers)}
    for attr in request.attributes:
        d.setdefault(attr, getattr(request, attr))
    if type(request) is not Request:  # noqa: E721 - as Request.to_dict
        d["_class"] = request.__module__ + "." + request.__class__.__name__
    return d


class Scripts:
    """The Lua scripts of a Redis client, sent once and then called by their SHA1 (EVALSHA; reloaded by
    redis-py if the server lost them): a page's pop no longer carries its 2 KB script every call."""

    def __init__(self, server):
        self.server, self._loaded = server, {}

    def __call__(self, source: str, keys: list, args: list):
        script = self._loaded.get(source)
        if script is None:
            script = self._loaded[source] = self.server.register_script(source)
        return script(keys=keys, args=args)


def scripts(server) -> Scripts:
    """One Scripts per Redis client (kept on the client)."""
    got = getattr(server, "_zwgk_scripts", None)
    if got is None:
        got = server._zwgk_scripts = Scripts(server)
    return got
