-- One conversation's ticket lock, decided atomically inside Redis (bot/runtime/lock_store.py).
--
-- KEYS[1]  the conversation's live tickets: a hash, ticket number -> deadline (ms, Redis clock)
-- KEYS[2]  the ticket counter shared by every conversation: never reset, so a number is never
--          given twice and a late release can only ever remove its own ticket
-- ARGV[1]  the operation: issue | poll | release | snapshot
-- ARGV[2]  the caller's ticket number (poll, release), else ""
-- ARGV[3]  the ticket lifetime in ms (issue, poll), else ""
-- ARGV[4]  prefix of the wake-up lists: ticket n is woken by a push to ARGV[4] .. n
--
-- The ticket served is the smallest live number. A ticket lives until its deadline: set at
-- issue, moved to now + lifetime each time its owner polls (a waiter keeps its place, the
-- holder's lease starts when it is served), gone when released or past its deadline.

if redis.replicate_commands then redis.replicate_commands() end -- Redis < 5: TIME, then writes
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local op, mine, lifetime = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

-- A lock left at this key by Rasa's RedisLockStore (a JSON string, which never expires) is
-- dropped: the two stores cannot share a conversation anyway.
local kind = redis.call('TYPE', KEYS[1])
if type(kind) == 'table' then kind = kind.ok end
if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end

local function int(number) return string.format('%d', number) end

-- The tickets as they were (who was served), then without the expired ones.
local before, live = nil, {}
local stored = redis.call('HGETALL', KEYS[1])
for i = 1, #stored, 2 do
  local number, deadline = tonumber(stored[i]), tonumber(stored[i + 1])
  if before == nil or number < before then before = number end
  if deadline > now then
    live[number] = deadline
  else
    redis.call('HDEL', KEYS[1], stored[i])
  end
end

local released = 0
if op == 'issue' then
  mine = redis.call('INCR', KEYS[2])
  live[mine] = now + lifetime
  redis.call('HSET', KEYS[1], int(mine), int(live[mine]))
elseif op == 'poll' and live[mine] then
  live[mine] = now + lifetime
  redis.call('HSET', KEYS[1], int(mine), int(live[mine]))
elseif op == 'release' and live[mine] then
  released = 1
  live[mine] = nil
  redis.call('HDEL', KEYS[1], int(mine))
end

local head, last, numbers = nil, 0, {}
for number, deadline in pairs(live) do
  table.insert(numbers, number)
  if head == nil or number < head then head = number end
  if deadline > last then last = deadline end
end

if head == nil then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], last - now)
  if head ~= before and head ~= mine then
    local wake = ARGV[4] .. int(head)
    redis.call('RPUSH', wake, '1')
    redis.call('PEXPIRE', wake, live[head] - now)
  end
end

if op == 'issue' then
  return { mine, head == mine and 1 or 0, live[mine] }
elseif op == 'poll' then
  if not live[mine] then return { -1, 0 } end
  return { head == mine and 1 or 0, live[mine] }
elseif op == 'release' then
  return { released }
end
table.sort(numbers)
local snapshot = {}
for _, number in ipairs(numbers) do
  table.insert(snapshot, number)
  table.insert(snapshot, live[number])
end
return snapshot
