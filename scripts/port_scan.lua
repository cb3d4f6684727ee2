-- port_scan.lua: a concurrent TCP connect scanner: which of a host's ports accept connections.
-- Usage: sockrun scripts/port_scan.lua HOST PORTS [TIMEOUT]   (PORTS like 1-1024 or 22,80,8000-8010; TIMEOUT seconds, default 1)
--
-- Scan only hosts you own or may scan. There is no default host: HOST must
-- be given (an IPv4 or IPv6 address, or a name).
--
-- Each port gets a nonblocking connect, then socket_select waits at most
-- TIMEOUT for the answer: accepted (open), refused (closed), or nothing or
-- an ICMP error (filtered/timeout). CONCURRENCY tasks (spawn) probe at once,
-- each taking the next port until none is left. The open ports are printed
-- in order ("PORT open"), then a summary: "N open, M closed, K filtered/timeout".

local USAGE = "usage: sockrun scripts/port_scan.lua HOST PORTS [TIMEOUT]\n" ..
              "  PORTS: comma-separated ports and ranges, e.g. 1-1024 or 22,80,8000-8010\n" ..
              "  TIMEOUT: seconds to wait for each connect (default 1)\n"
local CONCURRENCY = 200

local function usage(problem)
  if problem then io.stderr:write("port_scan: ", problem, "\n") end
  io.stderr:write(USAGE)
  os.exit(2)
end

local host, spec, timeout = arg[1], arg[2], tonumber(arg[3] or "1")
if host == "-h" or host == "--help" then usage() end
if not host or host == "" or not spec or arg[4] then usage() end
if not timeout or timeout <= 0 then usage("TIMEOUT must be a positive number of seconds") end

-- parse_ports turns "22,80,8000-8010" into a sorted list without repeats.
local function parse_ports(text)
  local seen, list = {}, {}
  for item in (text .. ","):gmatch("([^,]*),") do
    local a, b = item:match("^%s*(%d+)%s*%-%s*(%d+)%s*$")
    if not a then
      a = item:match("^%s*(%d+)%s*$")
      b = a
    end
    a, b = tonumber(a), tonumber(b)
    if not a or a < 1 or b > 65535 or a > b then
      return nil, "bad port or range '" .. item .. "' (ports are 1-65535, ranges LOW-HIGH)"
    end
    for p = a, b do
      if not seen[p] then
        seen[p] = true
        list[#list + 1] = p
      end
    end
  end
  table.sort(list)
  return list
end

local ports, problem = parse_ports(spec)
if not ports then usage(problem) end

-- The address to scan: a literal, or the name's IPv4 address.
local domain, ip = AF_INET, host
if host:find(":", 1, true) then
  domain = AF_INET6
else
  ip = gethostbyname(host)
  if not ip:find("^%d+%.%d+%.%d+%.%d+$") then
    io.stderr:write("port_scan: cannot resolve host '", host, "'\n")
    os.exit(1)
  end
end

local sec = math.floor(timeout)
local usec = math.floor((timeout - sec) * 1e6)

-- probe returns "open", "closed" or "filtered" for one port.
local function probe(p)
  local s = socket_create(domain, SOCK_STREAM, 0)
  if not s then
    return "filtered" -- out of descriptors, say: counted, not fatal
  end
  socket_set_nonblock(s)
  local state = "filtered"
  if socket_connect(s, ip, p) then
    state = "open"
  else
    local code = socket_last_error(s)
    if code == SOCKET_EINPROGRESS then
      local w = {s}
      if socket_select(nil, w, nil, sec, usec) == 1 then
        code = socket_get_option(s, SOL_SOCKET, SO_ERROR)
        if code == 0 then state = "open" end
      end
    end
    if code == SOCKET_ECONNREFUSED then state = "closed" end
  end
  socket_close(s)
  return state
end

local results = {}
local next_index = 1

local function worker()
  while next_index <= #ports do
    local p = ports[next_index]
    next_index = next_index + 1
    results[p] = probe(p)
  end
end

echo("Scanning ", host, " (", ip, "): ", #ports, " port(s), timeout ", timeout, "s, ",
     math.min(CONCURRENCY, #ports), " at once\n")
local started = microtime(true)
local workers = {}
for i = 1, math.min(CONCURRENCY, #ports) do workers[i] = spawn(worker) end
for _, w in ipairs(workers) do
  local ok, msg = wait(w)
  if not ok then error(msg, 0) end
end

local counts = {open = 0, closed = 0, filtered = 0}
for _, p in ipairs(ports) do
  local state = results[p]
  counts[state] = counts[state] + 1
  if state == "open" then echo(p, " open\n") end
end
echo(string.format("%d open, %d closed, %d filtered/timeout (%.2fs)\n",
                   counts.open, counts.closed, counts.filtered, microtime(true) - started))
