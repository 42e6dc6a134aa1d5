local common = require "common"
common.seen_by[#common.seen_by + 1] = "main"
category "policy_law" { keywords = common.words }
test { name = "keywords from a module", text = "소식\n법안", label = "policy_law" }
