-- Mistakes `bunryu check` reports, each with file:line.
category "policy_law" {
  keywords = {
    "법안", "법안",                 -- listed twice
    "규제",
    "\u{200B}",                    -- empty after normalization
    "줄\n바꿈",                     -- a line break
    " 공백",                        -- a leading space
    { "규칙", zones = "footer" },   -- no such zone
    { weight = 2 },                 -- no text
  },
  negative = { "규제", { "방법", weight = -1 } }, -- in both lists; weight < 0
  patterns = { [[SB\s?(\d{2,5}]] },              -- a bad regex: offset shown
  treshold = 2,                                   -- a typo
}

category "empty" { label = "빈 분류" }           -- nothing scores it

category "policy_law" { keywords = { "중복" } }  -- declared twice

category "typed" { weight = "무거움", max_count = -1, keywords = "법안" }

category "no_body"

entity "company" {
  aliases = { ["오픈AI"] = { "오픈AI" }, ["클로즈드AI"] = { "오픈AI" } },  -- one alias, two names
  dictionary = { "dict/missing.tsv", "../secret.tsv", "dict/bad.tsv" },
}

ignore { "(unclosed" }

settings { threshold = "높음", verbose = true }

test { name = "unknown label", text = "법안", label = "politics" }
test { name = "unknown entity type", text = "법안", entities = { person = { "홍길동" } } }
test { name = "no text", label = false }
