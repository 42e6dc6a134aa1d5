-- all_features.lua — a rule set that uses every feature of the rule
-- language, for the fuzz targets (fuzz_classify, fuzz_zones) and the
-- hardening tests. Documents that contain a marker make the hook misbehave:
--   #ERR#   classify raises an error
--   #LOOP#  classify never returns (instruction limit)
--   #MEM#   classify allocates without end (memory limit)
--   #NONE#  classify returns false (no label)
--   #BAD#   classify returns a name that is not a category
local common = require "fuzz_common"

settings { threshold = 1.5, lead_bytes = 120 }

category "policy_law" {
  label = "정책/법제",
  weight = 1,
  zones = { title = 3, lead = 2, body = 1 },
  threshold = 2,
  max_count = 4,
  keywords = {
    "규제", "국회", common.LAW_WORDS[1], common.LAW_WORDS[2],
    { "AI Act", weight = 3, caseless = true },
    { "행정명령", weight = 2, zones = "title" },
    { "시행령", zones = { "lead", "body" } },
    { "의원", word = true },
    { "ＥＵ", caseless = true, word = true, weight = 0.5 },
  },
  negative = { "방법", { "법인", weight = 2 } },
  patterns = {
    common.BILL,
    { [[행정명령\s?\d+호]], weight = 2 },
    { [[(?i)executive\s+order]], caseless = true, zones = "title" },
    { [[(a|b)*c]], weight = 0.1 },
  },
}

category "company_industry" {
  label = "기업/산업",
  zones = { title = 2 },
  keywords = { "출시", "투자", "인수", { "매출", weight = 2 }, { "Inc", word = true } },
  negative = { { "출시일", weight = 0 } },
  patterns = { [[\d+(?:억|조)\s?원]] },
}

category "tech_research" {
  label = "기술/연구",
  max_count = 0,
  keywords = { "모델", "논문", "벤치마크", { "GPU", caseless = true } },
  patterns = { { [[\b[A-Z]{2,}-\d+\b]], weight = 1.5 } },
}

category "rare" { label = "", keywords = { { "희귀어", zones = "title" } } }

entity "company" {
  priority = 10,
  word = true,
  caseless = false,
  dictionary = { "dict/fuzz_companies.tsv" },
  aliases = {
    Anthropic = { "앤트로픽", { "anthropic", caseless = true } },
    Google = { "구글", { "Google", word = false } },
  },
  patterns = {
    [[(?:기업|회사)\s+(?<name>[A-Z][A-Za-z]{1,20})(?![A-Za-z])]],
  },
}

entity "law" {
  priority = 5,
  patterns = {
    [[「(?<name>[^」\n]{1,40})」]],
    [[(?<name>[\p{Hangul}]{2,12}법)(?![\p{Hangul}])]],
    common.BILL,
  },
  aliases = { ["AI 기본법"] = { "인공지능 기본법", "AI기본법" } },
}

entity "person" { aliases = { ["Sam Altman"] = { "샘 올트먼", "올트먼" } } }

ignore {
  [[(?m)^\s*출처\s*:.*$]],
  [[https?://\S+]],
}

test {
  name = "a bill",
  text = "국회, 「AI 기본법」 통과\n\n국회가 법안을 의결했다.",
  label = "policy_law",
  entities = { law = { "AI 기본법" } },
}

function classify(doc, scores)
  local title, text = doc.title, doc.text
  local all = title .. "\n" .. text
  if all:find("#ERR#", 1, true) then error("marker #ERR# in the document") end
  if all:find("#LOOP#", 1, true) then while true do end end
  if all:find("#MEM#", 1, true) then
    local t = {}
    for i = 1, 1e9 do t[i] = string.rep("x", 1024) .. i end
  end
  local n = 0
  for _, h in ipairs(doc.hits) do
    if h.kind == "keyword" and h.zone == "title" then n = n + 1 end
    assert(h.start <= h.stop)
  end
  scores.tech_research = scores.tech_research + common.bonus(doc:count("모델", "body"))
  for _, e in ipairs(doc.entities) do
    if e.type == "person" then scores.company_industry = scores.company_industry + 1 end
  end
  if #text >= 4 and text:find("오픈", 1, true) then
    pcall(doc.add_entity, doc, "company", "OpenAI", 1, math.min(#text, 6))
  end
  doc:drop_entity("company", "Meta")
  if all:find("#NONE#", 1, true) then return false end
  if all:find("#BAD#", 1, true) then return "no_such_category" end
  if n > 3 and #title > 0 then return "policy_law" end
  return nil
end
