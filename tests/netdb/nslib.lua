-- Helpers for the Lua half of the tests/netdb parity twins, over the
-- canonical printer of every parity twin (tests/lib/show.lua); nslib.php is
-- the PHP half. Load with
--   dofile((arg[0]:match("^(.*)/") or ".") .. "/nslib.lua")

dofile((arg[0]:match("^(.*)/") or ".") .. "/../lib/show.lua")

-- explain_all renders every AddressInfo of a lookup result, in order.
function explain_all(label, r)
	if type(r) ~= "table" then
		show(label, r)
		return
	end
	echo(label, ": ", #r, " result(s)\n")
	for i, ai in ipairs(r) do
		show("  [" .. i .. "]", socket_addrinfo_explain(ai))
	end
end
