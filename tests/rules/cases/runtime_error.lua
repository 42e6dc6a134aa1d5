category "first" { keywords = { "법안" } }
local words = nil
category "second" { keywords = { words[1] } }
