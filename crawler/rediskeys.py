"""Every Redis key of a distributed night (crawler/ingest.py, spiders/distributed.py), in one place."""

PREFIX = "zwgk:"
SEED = b"__seed__"          # an in-flight start-list entry (a seed being turned into requests)


class Keys:
    """Every Redis key of a distributed night, in one place."""
    night = PREFIX + "night"                   # hash: state (running|done), phase, id, started, since, units, runs
    items = PREFIX + "items"                   # list of JSON items from the workers
    ingesting = PREFIX + "items:ingesting"     # the batch being written (crash safety)
    ingesting_turn = PREFIX + "items:ingesting:turn"   # the token of the batch in it (a take sent again)

    @staticmethod
    def queue(unit: str) -> str:
        return f"{PREFIX}{unit}:requests"

    @staticmethod
    def dupefilter(unit: str) -> str:
        return f"{PREFIX}{unit}:dupefilter"

    @staticmethod
    def start(unit: str) -> str:
        return f"{PREFIX}{unit}:start_urls"

    @staticmethod
    def known(unit: str) -> str:
        return f"{PREFIX}{unit}:known"

    @staticmethod
    def columns(unit: str) -> str:
        return f"{PREFIX}{unit}:columns"

    @staticmethod
    def articles(unit: str) -> str:           # hash: article URL -> the column whose walk claimed it tonight
        return f"{PREFIX}{unit}:articles"

    @staticmethod
    def claims(worker_id: str, unit: str) -> str:   # a worker's claims whose requests are not queued yet
        return f"{PREFIX}claims:{worker_id}|{unit}"

    @staticmethod
    def walk(unit: str, column_id: str, part: str) -> str:
        return f"{PREFIX}{unit}:walk:{column_id}:{part}"

    @staticmethod
    def stats(unit: str) -> str:               # hash worker -> JSON per-site stats
        return f"{PREFIX}{unit}:stats"

    @staticmethod
    def worker(worker_id: str) -> str:
        return f"{PREFIX}worker:{worker_id}"

    @staticmethod
    def inflight(worker_id: str, unit: str) -> str:
        return f"{PREFIX}inflight:{worker_id}|{unit}"

    @staticmethod
    def last_pop(worker_id: str, unit: str) -> str:   # hash: a worker's last pop token and its answer
        return f"{PREFIX}lastpop:{worker_id}|{unit}"

    @staticmethod
    def slots(host: str) -> str:
        return f"{PREFIX}slots:{host}"


def seen_key(unit: str) -> str:   # URL -> [status, error] of every answer tonight (crawler/redislinks.py)
    return f"{PREFIX}{unit}:seen"
