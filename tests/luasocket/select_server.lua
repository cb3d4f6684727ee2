-- A LuaSocket select() line server: every line a client sends comes back as
-- "OK <line>"; "quit" closes that client, "shutdown" ends the server. Runs unchanged under lua5.1 with
-- LuaSocket and under sockrun. Run: sockrun select_server.lua [PORT]
io.stdout:setvbuf("no")
local socket = require("socket")

local server = assert(socket.bind("127.0.0.1", tonumber(arg[1]) or 0))
server:settimeout(0)
local _, port = server:getsockname()
print("listening on " .. port)

local clients = {}
local partial = {} -- client -> the start of a line not complete yet
while true do
  local readable = socket.select({server, unpack(clients)}, nil)
  for _, sock in ipairs(readable) do
    if sock == server then
      local client = server:accept()
      while client do
        client:settimeout(0)
        clients[#clients + 1] = client
        client = server:accept()
      end
    else
      -- read every complete line the buffer holds, then go back to select
      while true do
        local line, err, part = sock:receive("*l", partial[sock])
        partial[sock] = part
        if line == "shutdown" then
          os.exit(0)
        elseif line == "quit" or err == "closed" then
          sock:close()
          partial[sock] = nil
          for i, c in ipairs(clients) do
            if c == sock then table.remove(clients, i) break end
          end
          break
        elseif line then
          sock:settimeout(nil)
          sock:send("OK " .. line .. "\n")
          sock:settimeout(0)
        else
          break -- "timeout": nothing more for now
        end
      end
    end
  end
end
