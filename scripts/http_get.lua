-- http_get.lua: an HTTP/1.1 client: GET one http:// or https:// URL, print the response as received.
-- Usage: sockrun scripts/http_get.lua URL [--insecure] [--cacert FILE]   (or HTTP_GET_INSECURE=1, HTTP_GET_CACERT=FILE)
--
-- Prints the status line and the headers, a blank line, then the body, byte
-- for byte (Content-Length, chunked transfer encoding, or read until the
-- server closes). Redirects are shown, not followed. For https the server's
-- certificate is verified against the system's CAs (or --cacert FILE) for
-- the URL's host, which is also sent as SNI; --insecure skips verification.
-- Exit status: 0 for any HTTP response (a 404 included), 1 when the URL is
-- bad or the connection, the TLS handshake or the response fails, 2 for a
-- usage error.

local USAGE = "usage: sockrun scripts/http_get.lua URL [--insecure] [--cacert FILE]\n" ..
              "       (or set HTTP_GET_INSECURE=1 and HTTP_GET_CACERT=FILE)\n"

local function usage()
  io.stderr:write(USAGE)
  os.exit(2)
end

local function fail(message)
  io.stderr:write("http_get: ", message, "\n")
  os.exit(1)
end

-- Arguments: the URL first, then the options.
local url = arg[1]
if not url or url == "-h" or url == "--help" or url:sub(1, 1) == "-" then usage() end
local insecure = (os.getenv("HTTP_GET_INSECURE") or "") ~= "" and os.getenv("HTTP_GET_INSECURE") ~= "0"
local cacert = os.getenv("HTTP_GET_CACERT")
if cacert == "" then cacert = nil end
local i = 2
while arg[i] do
  local a = arg[i]
  if a == "--insecure" or a == "-k" then
    insecure = true
  elseif a == "--cacert" and arg[i + 1] then
    cacert = arg[i + 1]
    i = i + 1
  elseif a:sub(1, 9) == "--cacert=" and #a > 9 then
    cacert = a:sub(10)
  elseif a == "-h" or a == "--help" then
    usage()
  else
    io.stderr:write("http_get: unknown argument: ", a, "\n")
    usage()
  end
  i = i + 1
end

-- parse_url splits scheme://host[:port][/path][?query][#fragment].
local function parse_url(u)
  local scheme, rest = u:match("^(%a[%w+.-]*)://(.*)$")
  if not scheme then return nil, "missing scheme (want http:// or https://)" end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then
    return nil, "unsupported scheme " .. scheme .. " (want http or https)"
  end
  rest = rest:gsub("#.*$", "")
  local authority, target = rest:match("^([^/?]*)(.*)$")
  if target == "" then target = "/" elseif target:sub(1, 1) == "?" then target = "/" .. target end
  if target:find("[%s%c]") then return nil, "spaces or control characters in the path" end
  if authority:find("@", 1, true) then return nil, "user names in URLs are not supported" end
  local host, port
  if authority:sub(1, 1) == "[" then
    host, port = authority:match("^%[([%x:.]+)%](.*)$")
    if not host then return nil, "bad IPv6 address in brackets" end
  else
    host, port = authority:match("^([^:]*)(.*)$")
  end
  if host == "" then return nil, "no host" end
  if not host:find(":", 1, true) and not host:match("^[%w.-]+$") then
    return nil, "bad host name " .. host
  end
  local default = scheme == "https" and 443 or 80
  if port == "" then
    port = default
  else
    port = port:match("^:(%d+)$")
    port = port and tonumber(port)
    if not port or port < 1 or port > 65535 then return nil, "bad port" end
  end
  return {scheme = scheme, host = host, port = port, target = target, default_port = port == default}
end

local u, why = parse_url(url)
if not u then fail("bad URL " .. url .. ": " .. why) end

local ipv6 = u.host:find(":", 1, true) ~= nil
local host_port = (ipv6 and "[" .. u.host .. "]" or u.host) .. ":" .. u.port

local sock = socket_create(ipv6 and AF_INET6 or AF_INET, SOCK_STREAM, SOL_TCP)
if not sock then fail("cannot create a socket: " .. socket_strerror(socket_last_error())) end
if not socket_connect(sock, u.host, u.port) then
  local code = socket_last_error(sock)
  if code == 0 then code = socket_last_error() end
  fail("cannot connect to " .. host_port .. ": " .. socket_strerror(code))
end

if u.scheme == "https" then
  local options = {peer_name = u.host, verify_peer = not insecure, alpn_protocols = "http/1.1"}
  if cacert then options.cafile = cacert end
  if not socket_enable_crypto(sock, true, options) then
    local hint = insecure and "" or
      " (the server's certificate must be valid for " .. u.host ..
      " and signed by a trusted CA: --cacert FILE names one, --insecure skips the certificate check)"
    fail("TLS handshake with " .. host_port .. " failed: see the SSL warning above" .. hint)
  end
end

local host_header = ipv6 and "[" .. u.host .. "]" or u.host
if not u.default_port then host_header = host_header .. ":" .. u.port end
local request = "GET " .. u.target .. " HTTP/1.1\r\n" ..
                "Host: " .. host_header .. "\r\n" ..
                "User-Agent: sockrun-http_get/1.0\r\n" ..
                "Accept: */*\r\n" ..
                "Connection: close\r\n\r\n"
if not socket_write(sock, request) then
  fail("cannot send the request to " .. host_port .. ": " .. socket_strerror(socket_last_error(sock)))
end

-- A read buffer over the socket: the unread bytes are buf from pos (a
-- position, so that taking a line does not copy the rest of the buffer).
local buf, pos = "", 1
local eof = false

-- fill reads more into buf; false at the end of the stream.
local function fill()
  if eof then return false end
  local data = socket_read(sock, 65536)
  if data == false then
    fail("reading from " .. host_port .. " failed: " .. socket_strerror(socket_last_error(sock)))
  end
  if data == "" then
    eof = true
    return false
  end
  buf, pos = buf:sub(pos) .. data, 1
  return true
end

-- unread is how many bytes are buffered.
local function unread() return #buf - pos + 1 end

-- take removes and returns the next n bytes (fewer if fewer are buffered).
local function take(n)
  local piece = buf:sub(pos, pos + n - 1)
  pos = pos + #piece
  return piece
end

-- line returns the next line without its "\r\n" (or "\n").
local function line(what)
  local searched = pos
  while true do
    local nl = buf:find("\n", searched, true)
    if nl then return (take(nl - pos + 1):gsub("\r?\n$", "")) end
    if unread() > 64 * 1024 then fail(what .. " longer than 64 KiB") end
    searched = #buf + 1 - (pos - 1) -- the buffer is rebased by fill
    if not fill() then fail("the server closed the connection in the middle of " .. what) end
  end
end

-- The response head: the status line and the headers, skipping 1xx interim responses.
local status, headers
repeat
  local status_line = line("the status line")
  local version, code = status_line:match("^(HTTP/%d%.%d) (%d%d%d)")
  if not version then fail("not an HTTP response: " .. string.format("%q", status_line:sub(1, 80))) end
  status = tonumber(code)
  echo(status_line, "\n")
  -- A header sent several times is joined with ", " (RFC 9110), once at
  -- the end rather than by growing a string per repetition.
  local values = {}
  while true do
    local h = line("the headers")
    if h == "" then break end
    echo(h, "\n")
    local name, value = h:match("^([^:]+):%s*(.-)%s*$")
    if name then
      name = name:lower()
      values[name] = values[name] or {}
      values[name][#values[name] + 1] = value
    end
  end
  headers = {}
  for name, list in pairs(values) do headers[name] = table.concat(list, ", ") end
  if status < 200 then echo("\n") end -- separate an interim response from the next
until status >= 200
echo("\n")

-- The body.
local function body_with_length(n)
  local got = 0
  while got < n do
    if unread() == 0 and not fill() then
      fail("the server closed the connection after " .. got .. " of " .. n .. " body bytes")
    end
    local piece = take(n - got)
    got = got + #piece
    echo(piece)
  end
end

local function body_chunked()
  while true do
    local size_line = line("a chunk size")
    local hex = size_line:match("^%s*(%x+)%s*;?") -- chunk extensions are ignored
    if not hex then fail("bad chunk size line: " .. string.format("%q", size_line:sub(1, 80))) end
    local size = tonumber(hex, 16)
    if size == 0 then break end
    body_with_length(size)
    if line("a chunk") ~= "" then fail("a chunk does not end with CRLF") end
  end
  -- Trailers, up to the empty line.
  while line("the trailers") ~= "" do end
end

local transfer = (headers["transfer-encoding"] or ""):lower()
local length = headers["content-length"]
if status == 204 or status == 304 then
  -- no body
elseif transfer:match("chunked%s*$") then
  body_chunked()
elseif length then
  -- Digits only, below 10^18 (beyond, no server means it: curl and Go's
  -- client refuse such a length too).
  local digits = length:match("^0*(%d+)$")
  if not digits or #digits > 18 then fail("bad Content-Length: " .. length:sub(1, 80)) end
  body_with_length(tonumber(digits))
else
  -- No framing: the body runs until the server closes the connection.
  repeat echo(take(unread())) until not fill()
end

socket_close(sock)
