-- Atomic read-modify-write of one Rasa TicketLock, stored as stock Rasa stores it:
--   {"conversation_id": "...", "tickets": ["{\"number\": 0, \"expires\": 1732550000.123456}", ...],
--    "last_issued": 0}
-- so Rasa's own RedisLockStore.get_lock() still reads it (it ignores "last_issued"). Redis runs
-- a script alone: no other replica can slip a write between the GET and the SET (#9213).
--
-- KEYS[1]  the lock's key
-- ARGV[1]  operation: "issue" | "release" | "prune"
-- ARGV[2]  conversation id
-- ARGV[3]  now, in seconds since the epoch (the caller's clock, as Rasa's TicketLock uses)
-- ARGV[4]  issue: lifetime in seconds; release: the ticket number to drop
-- ARGV[5]  milliseconds the key outlives its last ticket
-- Returns  issue: the new ticket number; release/prune: how many tickets remain.

local key, op, conversation_id = KEYS[1], ARGV[1], ARGV[2]
local now, linger_ms = tonumber(ARGV[3]), tonumber(ARGV[5])

-- Live tickets in order, each keeping its original JSON text; and the highest number ever
-- issued on this key, so that a number is never handed out twice while the key lives (a
-- late release of an expired ticket cannot then remove a newer holder's ticket).
local tickets, last_issued = {}, -1
local raw = redis.call('GET', key)
if raw then
  local ok, lock = pcall(cjson.decode, raw)
  if ok and type(lock) == 'table' then
    last_issued = tonumber(lock.last_issued) or -1
    for _, text in ipairs(type(lock.tickets) == 'table' and lock.tickets or {}) do
      local parsed, ticket = pcall(cjson.decode, text)
      if parsed and type(ticket) == 'table' and tonumber(ticket.number) and tonumber(ticket.expires) then
        if ticket.number > last_issued then last_issued = ticket.number end
        if ticket.expires >= now then
          tickets[#tickets + 1] = {text = text, number = ticket.number, expires = ticket.expires}
        end
      end
    end
  end
end

local result
if op == 'issue' then
  local expires = now + tonumber(ARGV[4])
  last_issued = last_issued + 1
  tickets[#tickets + 1] = {
    text = string.format('{"number": %d, "expires": %.6f}', last_issued, expires),
    number = last_issued, expires = expires,
  }
  result = last_issued
elseif op == 'release' then
  local number = tonumber(ARGV[4])
  local kept = {}
  for _, ticket in ipairs(tickets) do
    if ticket.number ~= number then kept[#kept + 1] = ticket end
  end
  tickets = kept
elseif op ~= 'prune' then
  return redis.error_reply('unknown ticket lock operation: ' .. tostring(op))
end

local texts, last_expiry = {}, now
for i, ticket in ipairs(tickets) do
  texts[i] = cjson.encode(ticket.text)
  if ticket.expires > last_expiry then last_expiry = ticket.expires end
end
local value = '{"conversation_id": ' .. cjson.encode(conversation_id) ..
  ', "tickets": [' .. table.concat(texts, ', ') .. '], "last_issued": ' .. string.format('%d', last_issued) .. '}'
-- The key vanishes on its own a while after its last ticket: a lock left by a replica that
-- died mid-message cannot linger in Redis forever.
redis.call('SET', key, value, 'PX', math.ceil((last_expiry - now) * 1000) + linger_ms)
if result == nil then return #tickets end
return result
