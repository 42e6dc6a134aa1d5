-- mini.lua — a tiny rule pack for the `bunryu classify` batch tests
-- (tests/cli/batch_test.sh). Two categories, one entity type, and a hook
-- that fails on purpose for a document whose title holds "HOOKFAIL".

settings { threshold = 2.0 }

category "policy" {
  label = "정책",
  zones = { title = 2, body = 1 },
  keywords = { "법안", "국회", "규제", { "시행령", weight = 2 } },
}

category "tech" {
  label = "기술",
  zones = { title = 2, body = 1 },
  keywords = { "반도체", "인공지능", "연구진", { "모델", word = true } },
}

entity "company" {
  word = true,
  aliases = {
    ["한빛전자"] = { "한빛전자", "한빛" },
    ["누리소프트"] = { "누리소프트" },
  },
}

function classify(doc, scores)
  if doc.title and doc.title:find("HOOKFAIL", 1, true) then
    error("hook failed on purpose")
  end
  return nil
end
