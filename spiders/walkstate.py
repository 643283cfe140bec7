"""A column's walk across Redis workers (spiders/distributed.py): the Lua rules of its state — article URLs
claimed for the walk, the articles it issued and those done, and the one moment it counts as synced."""

# claim article URLs (ARGV[2..]) for a column (ARGV[1]), each: 1 = claimed now (pending until its request
# is queued; also when this worker's claim is still pending: the same call again, its answer lost to a
# dropped connection), 2 = this column claimed it before (a re-fetched list page: its request is already
# queued or done), 0 = another column's
_CLAIM = """
local out = {}
for i = 2, #ARGV do
  local owner = redis.call('HGET', KEYS[1], ARGV[i])
  if owner == ARGV[1] and redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then out[#out + 1] = 1
  elseif owner == ARGV[1] then out[#out + 1] = 2
  elseif owner then out[#out + 1] = 0
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[1])
    out[#out + 1] = 1
  end
end
return out
"""


# the column is synced when its full walk is finished, no article failed and every article it issued is
# done — marked once (HSETNX): synced(state, issued, done) is 1 when this call marked it. The one definition
# of the rule, composed into _SYNC, _FINISH and the scheduler's pop (spiders/redis_compat.py _POP)
SYNCED = """
local function synced(state, issued, done)
  local st = redis.call('HMGET', state, 'finished', 'complete', 'article_failures')
  if st[1] ~= '1' or st[2] ~= '1' or st[3] then return 0 end
  if redis.call('SCARD', issued) ~= redis.call('SCARD', done) then return 0 end
  return redis.call('HSETNX', state, 'synced', 1)
end
"""

# an article is done (ARGV[1] its URL, ARGV[2] '1' failed): record it; 1 if that made the column synced;
# KEYS: the walk's state, issued, done
_SYNC = SYNCED + """
if ARGV[1] ~= '' then redis.call('SADD', KEYS[3], ARGV[1]) end
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'article_failures', 1) end
return synced(KEYS[1], KEYS[2], KEYS[3])
"""

# a walk is finished (ARGV[1] '1': complete; ARGV[2..]: the articles it issued): record it; 1 if synced
_FINISH = SYNCED + """
for i = 2, #ARGV, 1000 do redis.call('SADD', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
redis.call('HSET', KEYS[1], 'finished', 1, 'complete', ARGV[1])
return synced(KEYS[1], KEYS[2], KEYS[3])
"""
