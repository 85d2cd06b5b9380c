/**
 * The shared rate budget's two operations as Redis Lua scripts: Redis runs a script atomically, so the
 * read-decide-write of one acquire or settle sees no other process's step in between (redis.io/docs/
 * latest/develop/interact/programmability/eval-intro). They mirror memoryBudgetStore in
 * src/http/budget-store.ts rule for rule; time is always the caller's `now` (ARGV), never Redis TIME,
 * so every process must share one time base (NTP-synced wall clocks, or one VirtualClock in tests).
 *
 * Keys: KEYS[1] the origin's block (hash until, reason), KEYS[2] the (origin, credential) state (hash
 * remaining, resetAt, tat, nextAt), KEYS[3] its reservations (sorted set: member = reservation id, score =
 * the time it stops counting as in flight, so a dead holder's reservations lapse).
 * Numbers are written with %.17g (exact doubles); times returned are rounded up to whole ms, since Redis
 * truncates a Lua number reply to an integer and a wake-up before the true time would ask again in vain.
 */

/** Helpers shared by both scripts (prepended to each). */
const COMMON = `
local function num(x) return string.format('%.17g', x) end
local now = tonumber(ARGV[1])
-- Keys live at least idleTtl, and while the state they hold is in force (resetAt, tat).
local function keep(key, a, b)
  local ms = tonumber(ARGV[4])
  if a and a - now > ms then ms = a - now end
  if b and b - now > ms then ms = b - now end
  redis.call('PEXPIRE', key, math.ceil(ms))
end
-- The window in force, dropping one whose reset has passed: the new one is what the server reports next.
local function window()
  local s = redis.call('HMGET', KEYS[2], 'remaining', 'resetAt', 'tat', 'nextAt')
  local remaining, resetAt = tonumber(s[1]), tonumber(s[2])
  local nextAt = tonumber(s[4])
  if resetAt and now >= resetAt then
    redis.call('HDEL', KEYS[2], 'remaining', 'resetAt', 'nextAt')
    remaining, resetAt, nextAt = nil, nil, nil
  end
  return remaining, resetAt, tonumber(s[3]), nextAt
end
`;

/**
 * ARGV: now, reservation id, reservation ttl, idle ttl, declared requests ('' = none), declared per,
 * strict ('1'), spread ('1'), want (reservations asked for, '' = 1), share. Returns {1, n} (granted: n
 * reservations are held, named id, id+1 … id+(n-1)) or {0, until, cause, reason}. More than one only
 * while the server's window is known and neither pacing nor a strict declared rate is in force, and
 * never more than the window's remaining / share: a lease is a small part of what is left.
 */
export const ACQUIRE = `${COMMON}
local blockUntil = tonumber(redis.call('HGET', KEYS[1], 'until'))
if blockUntil and blockUntil > now then
  return {0, math.ceil(blockUntil), 'blocked', redis.call('HGET', KEYS[1], 'reason') or ''}
end
local remaining, resetAt, tat, nextAt = window()
local spread = ARGV[8] == '1'
if resetAt and remaining <= 0 then return {0, math.ceil(resetAt), 'quota', ''} end
if resetAt and spread and nextAt and nextAt > now then return {0, math.ceil(nextAt), 'spread', ''} end
-- The declared rate is the prior while the server says nothing, and a ceiling only when strict.
local requests, per = tonumber(ARGV[5]), tonumber(ARGV[6])
if requests and (not resetAt or ARGV[7] == '1') then
  local interval = per / requests
  local readyAt = (tat or now) - (per - interval)
  if readyAt > now then return {0, math.ceil(readyAt), 'declared', ''} end
  tat = math.max(tat or now, now) + interval
  redis.call('HSET', KEYS[2], 'tat', num(tat))
end
local n = 1
if resetAt and not spread and not (requests and ARGV[7] == '1') then
  local want = tonumber(ARGV[9]) or 1
  local share = tonumber(ARGV[10]) or 1
  n = math.max(1, math.min(want, 1 + math.floor((remaining - 1) / share)))
end
if resetAt then
  if spread then redis.call('HSET', KEYS[2], 'nextAt', num(now + (resetAt - now) / remaining)) end
  redis.call('HSET', KEYS[2], 'remaining', num(remaining - n))
end
keep(KEYS[2], resetAt, tat)
local score = num(now + tonumber(ARGV[3]))
local members = {score, ARGV[2]}
for j = 1, n - 1 do
  members[#members + 1] = score
  members[#members + 1] = ARGV[2] .. '+' .. j
end
redis.call('ZADD', KEYS[3], unpack(members))
keep(KEYS[3], now + tonumber(ARGV[3]))
return {1, n}
`;

/**
 * Several settles of one key in one call, applied in order as one at a time would be. ARGV: now (the
 * latest of theirs), (unused), (unused), idle ttl, declared requests (''), declared per, count, then
 * per settle: reservation id, its now, remaining ('' = not reported), resetAt (''), block until ('' = no
 * block), block reason. KEYS[1] is the block key of the origin that answered when it is this key's
 * origin, else the block goes through BLOCK first. Returns the origin's block until (0: none), so a
 * process holding a lease stops spending it as soon as any process learned of a rejection.
 */
export const SETTLE = `${COMMON}
local requests, per = tonumber(ARGV[5]), tonumber(ARGV[6])
local function settle(id, at, rem, reset, bu, br)
  now = at
  redis.call('ZREM', KEYS[3], id)
  if bu ~= '' then
    local u = tonumber(bu)
    local current = tonumber(redis.call('HGET', KEYS[1], 'until'))
    if not current or u > current then
      redis.call('HSET', KEYS[1], 'until', bu, 'reason', br)
      keep(KEYS[1], u)
    end
  end
  if rem == '' then return end
  -- Requests still in flight anywhere may not be counted in remaining yet: assume they are not.
  -- Reservations past their score belong to processes that died holding them and count no more.
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local available = math.max(0, tonumber(rem) - redis.call('ZCARD', KEYS[3]))
  local remaining, resetAt, tat = window()
  if reset == '' then
    -- No reset: we cannot know when the quota refills, so it can only tighten the declared rate.
    if requests then
      local t = now + per - available * (per / requests)
      if t > (tat or now) then
        redis.call('HSET', KEYS[2], 'tat', num(t))
        keep(KEYS[2], resetAt, t)
      end
    end
    return
  end
  local reported = tonumber(reset)
  -- A reset already past describes an ended window (a late answer): nothing to learn.
  if reported <= now then return end
  -- Resets given as seconds-from-now move by up to a second within one window (rounding).
  if not resetAt or reported > resetAt + 1000 then
    redis.call('HSET', KEYS[2], 'remaining', num(available), 'resetAt', num(reported))
    redis.call('HDEL', KEYS[2], 'nextAt')
    keep(KEYS[2], reported, tat)
  elseif reported >= resetAt - 1000 then
    -- Answers arrive out of order: within one window the lowest count is the true one.
    local later = math.max(resetAt, reported)
    redis.call('HSET', KEYS[2], 'remaining', num(math.min(remaining, available)), 'resetAt', num(later))
    keep(KEYS[2], later, tat)
  end
end
local latest = now
for k = 0, tonumber(ARGV[7]) - 1 do
  local b = 8 + k * 6
  settle(ARGV[b], tonumber(ARGV[b + 1]), ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5])
end
now = latest
local blocked = tonumber(redis.call('HGET', KEYS[1], 'until'))
if blocked and blocked > now then return math.ceil(blocked) end
return 0
`;

/** A block reported for another origin than the request's (a redirect): ARGV now, until, reason, idle ttl. */
export const BLOCK = `
local now = tonumber(ARGV[1])
local u = tonumber(ARGV[2])
local current = tonumber(redis.call('HGET', KEYS[1], 'until'))
if not current or u > current then
  redis.call('HSET', KEYS[1], 'until', ARGV[2], 'reason', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(tonumber(ARGV[4]), u - now)))
end
return 0
`;
