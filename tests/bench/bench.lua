-- bench.lua — the benchmark workload as a rule file, and nothing more.
--
-- Declares exactly what ../shared/bench describes: one category per
-- category of terms.tsv with its terms as keywords, a "company" entity from
-- companies.tsv (canonical<TAB>alias), a "law" entity from the regexes of
-- law_patterns.txt. It is not a tuned rule pack (rules/ is): it is the same
-- work that tests/bench/run.sh gives to rg and yara.
--
-- tests/bench/gen_workload.py stages this file in $BUILD/bench/rules-N/
-- beside companies.tsv and two generated modules (the sandbox has no io):
--   terms.lua   returns { order = { category… }, [category] = { term… } }
--   laws.lua    returns { regex… }
-- Load it as a file (bunryu classify -r …/bench.lua), not as a folder, so
-- that the modules run only through require.

local terms = require "terms"
local laws = require "laws"

settings { threshold = 2 }

for _, name in ipairs(terms.order) do
  category (name) {
    zones = { title = 3, lead = 2, body = 1 },
    keywords = terms[name],
  }
end

entity "company" {
  word = true,                -- 메타 not in 메타버스; 메타는 is fine
  dictionary = "companies.tsv",
}

entity "law" {
  patterns = laws,
}
