package script

// LuaDefs renders the LuaLS definitions file.
func LuaDefs() (string, error) { return "---@meta\n", nil }
