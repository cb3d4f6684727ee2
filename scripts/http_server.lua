-- http_server.lua: a small HTTP/1.1 static file server, one task per connection.
-- Usage: sockrun scripts/http_server.lua [ADDRESS [PORT [DIR]]]   (default 127.0.0.1 8080 .; PORT 0 picks one)
--
-- Serves the files under DIR to GET and HEAD (index.html for a directory),
-- with keep-alive and pipelining on HTTP/1.1 (Connection: close honoured;
-- HTTP/1.0 connections close after one response), Content-Type by file
-- extension and a Content-Length on every response. Answers 400 to a
-- malformed request (a Content-Length that is not a number below 10^18
-- included), 403 to a path with a ".." segment or one whose real location
-- (symbolic links resolved, with realpath) is outside DIR: nothing outside
-- DIR is ever served. 404 to a missing file and 405 to other methods. Logs
-- one line per request on stdout: [conn N] PEER "REQUEST LINE" STATUS
-- BODY-BYTES.

local address = arg[1] or "127.0.0.1"
local port = tonumber(arg[2] or "8080")
local root = arg[3] or "."
if not port or arg[1] == "-h" or arg[1] == "--help" or arg[4] then
  io.stderr:write("usage: sockrun scripts/http_server.lua [ADDRESS [PORT [DIR]]]\n")
  os.exit(2)
end
root = root:gsub("(.)/+$", "%1")
local real_root = realpath(root)

local MAX_HEAD = 16 * 1024       -- request line plus headers
local MAX_DISCARD = 1024 * 1024  -- a request body we read past (GET/HEAD/405 with a body)
local IDLE_SECONDS = 30          -- a keep-alive connection idle this long is closed
local FILE_CHUNK = 64 * 1024

local function fail(what, sock)
  local code = socket_last_error(sock)
  echo(what .. ": [" .. code .. "] " .. socket_strerror(code) .. " \n")
  exit(1) -- die(message) exits 0, as PHP's
end

do -- DIR must be a readable directory.
  local f, err = io.open(root, "rb")
  if f then
    _, err = f:read(1)
    f:close()
  end
  if not f or not (err and err:find("is a directory", 1, true)) then
    io.stderr:write("http_server: ", root, " is not a readable directory\n")
    os.exit(2)
  end
end

local TYPES = {
  html = "text/html; charset=utf-8", htm = "text/html; charset=utf-8",
  txt = "text/plain; charset=utf-8", md = "text/plain; charset=utf-8",
  css = "text/css; charset=utf-8", js = "text/javascript; charset=utf-8",
  json = "application/json", xml = "application/xml", svg = "image/svg+xml",
  png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg", gif = "image/gif",
  ico = "image/x-icon", webp = "image/webp", pdf = "application/pdf",
  wasm = "application/wasm", gz = "application/gzip", zip = "application/zip",
}

local function content_type(path)
  local ext = path:match("%.([%w]+)$")
  return ext and TYPES[ext:lower()] or "application/octet-stream"
end

local REASONS = {
  [200] = "OK", [301] = "Moved Permanently", [400] = "Bad Request", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [413] = "Content Too Large",
  [431] = "Request Header Fields Too Large", [500] = "Internal Server Error",
  [501] = "Not Implemented", [505] = "HTTP Version Not Supported",
}

local DAYS = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
local function http_date()
  local t = os.date("!*t")
  return DAYS[t.wday] .. os.date("!, %d %b %Y %H:%M:%S GMT")
end

-- url_decode turns %XX into bytes; nil for a malformed escape.
local function url_decode(s)
  if s:find("%%[^%x]") or s:find("%%%x[^%x]") or s:find("%%%x?$") then return nil end
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- resolve maps a request target to a path under root (decoded) and the
-- target's path as sent, or nil and a status.
local function resolve(target)
  local raw = target:match("^https?://[^/]+(/.*)$") or target -- absolute-form
  raw = raw:gsub("[?#].*$", "")
  if raw:sub(1, 1) ~= "/" then return nil, 400 end
  local path = url_decode(raw)
  if not path or path:find("%z") or path:find("\\", 1, true) then return nil, 400 end
  for segment in path:gmatch("[^/]+") do
    if segment == ".." then return nil, 403 end
  end
  return path, raw
end

-- inside_root: whether the real path of name (symbolic links resolved) is
-- DIR or under it, and that real path; nil when name does not exist.
local function inside_root(name)
  local real = realpath(name)
  if not real then return nil end
  return real == real_root or real:sub(1, #real_root + 1) == real_root .. "/" or real_root == "/", real
end

-- open_file opens the file for path (index.html for a directory): the file,
-- its size and its name, or nil and a status (301: add a slash; 403: a
-- symbolic link leads outside DIR).
local function open_file(path)
  local name = root .. path
  local inside, real = inside_root(name)
  if inside == nil then return nil, 404 end
  if not inside then return nil, 403 end
  -- Open what was checked, not the name again (a link could change between).
  local f = io.open(real, "rb")
  if not f then return nil, 404 end
  local first, err = f:read(1)
  if not first and err and err:find("is a directory", 1, true) then
    f:close()
    if path:sub(-1) ~= "/" then return nil, 301 end
    return open_file(path .. "index.html")
  elseif not first and err then
    f:close()
    return nil, 404
  end
  local size = f:seek("end")
  f:seek("set", 0)
  return f, size, name
end

local conn_count = 0

-- handle serves one connection: requests one after the other (pipelined ones
-- straight from the buffer) until the client closes, asks to, or misbehaves.
local function handle(client)
  conn_count = conn_count + 1
  local id = conn_count
  local _, peer_addr, peer_port = socket_getpeername(client)
  local peer = (tostring(peer_addr):find(":", 1, true) and "[" .. peer_addr .. "]" or tostring(peer_addr)) ..
               ":" .. tostring(peer_port)
  socket_set_option(client, SOL_SOCKET, SO_RCVTIMEO, {sec = IDLE_SECONDS, usec = 0})
  local buf = ""
  local open = true

  -- fill reads more of the request; false when the client closed or failed.
  local gone = false -- the client closed or failed: nothing more to say to it
  local function fill()
    local data = socket_read(client, 65536)
    if not data or data == "" then
      gone = true
      return false
    end
    buf = buf .. data
    return true
  end

  -- skip_empty_lines drops the empty lines allowed before a request, in one
  -- pass (one copy, not one per line).
  local function skip_empty_lines()
    local p = 1
    while true do
      local b = buf:byte(p)
      if b == 10 then
        p = p + 1
      elseif b == 13 and buf:byte(p + 1) == 10 then
        p = p + 2
      else
        break
      end
    end
    if p > 1 then buf = buf:sub(p) end
  end

  local function log(request_line, status, bytes)
    echo("[conn ", id, "] ", peer, " \"", request_line, "\" ", status, " ", bytes, "\n")
  end

  -- send_response writes the head and the body (from a string or a file).
  local function send_response(status, headers, body, file, size, head_only)
    local lines = {"HTTP/1.1 " .. status .. " " .. (REASONS[status] or "Unknown")}
    lines[#lines + 1] = "Date: " .. http_date()
    lines[#lines + 1] = "Server: sockrun-http_server"
    for _, h in ipairs(headers) do lines[#lines + 1] = h end
    lines[#lines + 1] = "Content-Length: " .. (size or #body)
    lines[#lines + 1] = "Connection: " .. (open and "keep-alive" or "close")
    local head = table.concat(lines, "\r\n") .. "\r\n\r\n"
    if head_only then
      if file then file:close() end
      return socket_write(client, head) ~= false
    end
    if not file then
      return socket_write(client, head .. body) ~= false
    end
    local ok = true
    local chunk = head .. (file:read(FILE_CHUNK) or "")
    while chunk and chunk ~= "" do
      if socket_write(client, chunk) == false then ok = false break end
      chunk = file:read(FILE_CHUNK)
    end
    file:close()
    return ok
  end

  local function error_response(request_line, status, head_only, extra)
    if status == 400 or status >= 431 then open = false end -- a client we do not understand
    local body = status .. " " .. REASONS[status] .. "\n"
    local headers = {"Content-Type: text/plain; charset=utf-8"}
    for _, h in ipairs(extra or {}) do headers[#headers + 1] = h end
    log(request_line, status, head_only and 0 or #body)
    return send_response(status, headers, body, nil, nil, head_only)
  end

  while open do
    -- The head: up to the empty line. Leading empty lines are skipped (RFC 9112).
    local head_end
    local searched = 1 -- the end of the head is not before here
    while true do
      skip_empty_lines()
      local _, e = buf:find("\r?\n\r?\n", searched)
      if e then head_end = e break end
      searched = math.max(1, #buf - 3)
      if #buf > MAX_HEAD then
        open = false
        error_response(buf:match("^[^\r\n]*"):sub(1, 80), 431)
        break
      end
      if not fill() then
        if buf ~= "" then
          open = false
          error_response(buf:match("^[^\r\n]*"):sub(1, 80), 400) -- an unfinished request
        end
        open = false
        break
      end
    end
    if not head_end then break end
    local head = buf:sub(1, head_end)
    buf = buf:sub(head_end + 1)

    local request_line = head:match("^([^\r\n]*)")
    local method, target, major, minor = request_line:match("^(%u+) (%S+) HTTP/(%d)%.(%d)$")
    local headers, bad = {}, method == nil
    for h in head:sub(#request_line + 1):gmatch("[^\r\n]+") do
      local name, value = h:match("^([%w!#$%%&'*+.^_`|~-]+):[ \t]*(.-)[ \t]*$")
      if not name then bad = true break end
      name = name:lower()
      headers[name] = headers[name] and headers[name] .. ", " .. value or value
    end
    local printable = request_line:gsub("[%c\128-\255]", "?"):sub(1, 200)
    if bad or (major == "1" and minor == "1" and not headers.host) then
      open = false
      error_response(printable, 400)
      break
    end
    if major ~= "1" then
      open = false
      error_response(printable, 505)
      break
    end

    local connection = (headers.connection or ""):lower()
    if minor == "0" or connection:find("close", 1, true) then open = false end

    -- A request body (rare with GET/HEAD) is read past, or the connection closed after the answer.
    local length = headers["content-length"]
    if headers["transfer-encoding"] then
      open = false
    elseif length then
      -- Digits only, below 10^18 (as nginx, which refuses what overflows
      -- its 64-bit offsets): anything else is a request we cannot frame.
      local digits = length:match("^0*(%d+)$")
      if not digits or #digits > 18 then
        open = false
        error_response(printable, 400)
        break
      end
      length = tonumber(digits)
      if length > MAX_DISCARD then
        open = false
      else
        -- Read past the body without keeping it.
        while length > #buf do
          length = length - #buf
          buf = ""
          if not fill() then break end
        end
        if length > #buf then break end
        buf = buf:sub(length + 1)
      end
    end

    local head_only = method == "HEAD"
    local ok
    if method ~= "GET" and method ~= "HEAD" then
      ok = error_response(printable, 405, false, {"Allow: GET, HEAD"})
    else
      local path, raw = resolve(target)
      if not path then
        ok = error_response(printable, raw, head_only)
      else
        local file, size, name = open_file(path)
        if not file then
          if size == 301 then
            log(printable, 301, 0)
            ok = send_response(301, {"Location: " .. raw .. "/"}, "", nil, nil, head_only)
          else
            ok = error_response(printable, size, head_only)
          end
        else
          log(printable, 200, head_only and 0 or size)
          ok = send_response(200, {"Content-Type: " .. content_type(name)}, nil, file, size, head_only)
        end
      end
    end
    if not ok then
      gone = true
      break
    end
  end
  if not gone then
    -- A lingering close: end our side, then read what the client still
    -- sends (a pipelined request, the rest of an oversized head) for a
    -- moment, so that closing with unread input does not reset the
    -- connection and destroy the response before the client reads it.
    socket_shutdown(client, 1)
    socket_set_option(client, SOL_SOCKET, SO_RCVTIMEO, {sec = 2, usec = 0})
    local drained = 0
    while drained < MAX_DISCARD do
      local data = socket_read(client, 65536)
      if not data or data == "" then break end
      drained = drained + #data
    end
  end
  socket_close(client)
end

local domain = address:find(":", 1, true) and AF_INET6 or AF_INET
local sock = socket_create(domain, SOCK_STREAM, SOL_TCP) or fail("Couldn't create socket")
socket_set_option(sock, SOL_SOCKET, SO_REUSEADDR, 1)
if not socket_bind(sock, address, port) then fail("Could not bind socket", sock) end
if not socket_listen(sock, SOMAXCONN) then fail("Could not listen on socket", sock) end
local _, bound_address, bound_port = socket_getsockname(sock)
echo("Serving ", root, "\n")
echo("Listening on ", bound_address, ":", bound_port, "\n")

-- serve runs handle and, should it fail, still closes the connection: a
-- failing request must not cost a descriptor.
local function serve(client)
  local ok, why = pcall(handle, client)
  if not ok then
    echo("[error] ", tostring(why), "\n")
    pcall(socket_close, client)
  end
end

local accept_failing = false
while true do
  local client = socket_accept(sock)
  if client then
    accept_failing = false
    spawn(serve, client)
  else
    -- Out of descriptors (errno 24), say: the listener stays readable, so
    -- retrying at once would spin. Say so once, retry every 0.1 s.
    if not accept_failing then
      echo("accept failed (", socket_strerror(socket_last_error()), "): retrying every 0.1 s\n")
      accept_failing = true
    end
    sleep(0.1)
  end
end
