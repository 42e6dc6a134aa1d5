-- fuzz_common.lua — a module required by all_features.lua, so that the
-- fuzzed rule set goes through `require` too.
local M = {}
M.LAW_WORDS = { "법안", "법률", "시행령", "개정안" }
M.BILL = [[(?<![A-Za-z0-9])(?:SB|HB|AB)\s?\d{2,5}]]
function M.bonus(n) return n * 0.5 end
return M
