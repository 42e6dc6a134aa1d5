-- Runs after main.lua: the module value is the same table (cached per load).
local common = require "common"
assert(common.seen_by[1] == "main", "the module ran again")
category "other" { keywords = { "기타" } }
