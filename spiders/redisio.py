"""How a Redis worker talks to Redis, cheaply: requests serialised without searching the spider, Lua scripts
called by SHA1, and the pop sent without waiting for its answer (spiders/redis_compat.py ``Scheduler``).

A blocking pop stalls the reactor for a round trip to redis-server — a fifth of a worker's reactor time on a
busy machine (bench/README.md, part w). Here the pop is written to a connection of its own and the answer
is read when its socket becomes readable; every other call of the scheduler reads a pending answer first,
so Redis still runs the scheduler's calls in the order they were made (nothing a request produced can
overtake its release) and a killed worker loses nothing: a popped request is in the in-flight hash from the
Lua call on, whether or not its answer has been read.

A Redis outage (crawler/redisconn.py): every client of the worker waits up to ZWGK_REDIS_OUTAGE seconds; the
pop's connection is opened again and its pop sent again (POP_AGAIN makes that safe); past the bound the
reactor stops at once (``stop_on_give_up``) and the command prints one line."""
from __future__ import annotations

import asyncio
import functools
import logging

from redis.exceptions import ConnectionError, NoScriptError
from scrapy import Request

from crawler import redisconn
from crawler.redisconn import ERRORS, OUTAGE_SECONDS, connect


# The start of the scheduler's pop (spiders/redis_compat.py _POP; ARGV[3] the pop's token, KEYS[7] where its
# answer is kept): a token already answered gets that answer again and nothing runs twice — the pop sent
# again after its connection dropped, whether or not Redis ran it the first time. answer(out) keeps an answer.
POP_AGAIN = """
if ARGV[3] ~= '' then
  local last = redis.call('HMGET', KEYS[7], 'token', 'flags', 'payload', 'score')
  if last[1] == ARGV[3] then
    if last[3] == '' then return {last[2]} elseif last[4] == '' then return {last[2], last[3]} end
    return {last[2], last[3], last[4]}
  end
end
local function answer(out)
  if ARGV[3] ~= '' then
    redis.call('HSET', KEYS[7], 'token', ARGV[3], 'flags', out[1], 'payload', out[2] or '', 'score', out[3] or '')
    redis.call('PEXPIRE', KEYS[7], 86400000)
  end
  return out
end
"""


class PopChannel:
    """One connection for the scheduler's pops: ``send`` writes one, ``take`` reads its answer.

    A dropped connection (Redis restarted, a network blip) is opened again, with the client's retry policy
    (crawler/redisconn.py: backoff, at most ZWGK_REDIS_OUTAGE seconds), and the pending pop sent again. That
    is safe whether or not Redis ran it the first time: a pop carries its token, and Redis answers a token
    it has seen with the answer it gave (spiders/redis_compat.py _POP), so no request is popped twice."""

    def __init__(self, server, source: str):
        self.server, self.source = server, source
        self.conn = None
        self.sha = None
        self.pending = None      # (keys, args, context) of the pop whose answer is not read yet
        self._loop = None
        self._on_answer = None
        self._fd = None          # the descriptor the loop watches (None: the connection dropped)

    def open(self, on_answer) -> None:
        self._loop = asyncio.get_event_loop()
        self._on_answer = on_answer
        self.conn = self.server.connection_pool.make_connection()
        self._connect()

    def _connect(self) -> None:
        self.conn.connect()          # retried by the connection's policy; raises once Redis stays away
        self.conn.send_command("SCRIPT", "LOAD", self.source)
        self.sha = self.conn.read_response()
        # redis-py 8 has no public accessor for a connection's socket (only _sock / _get_socket()); the
        # loop needs its descriptor to read the answer when it comes
        self._fd = self.conn._sock.fileno()
        self._loop.add_reader(self._fd, self._on_answer)

    def _drop(self, error=None) -> None:
        if self._fd is not None:
            self._loop.remove_reader(self._fd)
            self._fd = None
        self.conn.disconnect()

    def send(self, keys: list, args: list, context) -> None:
        self.pending = (keys, args, context)
        try:
            if self._fd is None:
                self._connect()
            self.conn.send_command("EVALSHA", self.sha, len(keys), *keys, *args)
        except ERRORS as error:      # read (and sent again) by take, soon
            self._drop(error)
            self._loop.call_soon(self._on_answer)

    def answered(self) -> bool:
        """The pending pop's answer can be read now (or its connection dropped: take sends it again)."""
        if self._fd is None:
            return self.pending is not None
        try:
            readable = self.conn.can_read(timeout=0)
        except ERRORS as error:
            readable = True
            self._drop(error)
        if readable and self.pending is None:   # Redis says nothing unasked: the connection closed
            self._drop()
            return False
        return readable and self.pending is not None

    def take(self):
        """The pending pop's answer (waits for it if need be) and its context."""
        keys, args, context = self.pending
        self.pending = None
        try:
            if self._fd is None:
                raise ConnectionError("the pop's connection dropped")
            got = self._read(keys, args)
        except ERRORS as error:
            self._drop(error)
            got = self.conn.retry.call_with_retry(lambda: self._again(keys, args), self._drop)
        return got, context

    def _read(self, keys, args):
        try:
            return self.conn.read_response()
        except NoScriptError:    # the server lost its scripts: nothing ran, run it again in full
            return self.server.eval(self.source, len(keys), *keys, *args)

    def _again(self, keys, args):
        if self._fd is None:
            self._connect()
        self.conn.send_command("EVALSHA", self.sha, len(keys), *keys, *args)
        return self._read(keys, args)

    def close(self) -> None:
        if self.conn is not None:
            if self._fd is not None:
                self._loop.remove_reader(self._fd)
                self._fd = None
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


def worker_connect(settings):
    """A worker's Redis client: waits out an outage of up to ZWGK_REDIS_OUTAGE seconds (crawler/redisconn.py)."""
    return connect(settings.get("REDIS_URL"), settings.getfloat("ZWGK_REDIS_OUTAGE", OUTAGE_SECONDS))


def stop_on_give_up() -> list:
    """When a connection of this worker stops waiting for Redis (crawler/redisconn.py), the reactor stops at
    once, without closing the crawlers: nothing can reach Redis to close them, and what the worker held in
    flight goes back to the queue by the dead-worker rule when its heartbeat key expires, as after a SIGKILL.
    Returns the list the error goes to (run_worker raises it: one line and exit 1 from the command)."""
    errors: list = []

    def gave_up(error) -> None:
        from twisted.internet import reactor   # (installed by then: Scrapy chooses it)

        errors.append(error)
        quiet = redisconn.QuietAfterGivingUp()    # the handlers as Scrapy left them: add it now
        for lg in [logging.root, *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger))]:
            for handler in lg.handlers:
                handler.addFilter(quiet)
        reactor.callFromThread(lambda: reactor.running and reactor.stop())

    redisconn.reset()
    redisconn.on_give_up(gave_up)
    return errors


def quiet_after_giving_up(method):
    """For a call the reactor or the loop makes on its own (a timer, a socket callback): once the worker gave
    up on Redis, the error is not raised into Twisted or asyncio, which would print it with its traceback
    while the worker stops; the command says it in one line."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if redisconn.gone():
            return None
        try:
            return method(self, *args, **kwargs)
        except ERRORS:
            if redisconn.gone():
                return None
            raise
    return call
