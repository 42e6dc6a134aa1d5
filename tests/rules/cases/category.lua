-- Every option of category, each shown at work by a test case.
settings { threshold = 2 }

category "policy_law" {
  label = "정책/법제",
  weight = 1,
  zones = { title = 3, lead = 1, body = 1 },
  max_count = 2,
  keywords = {
    "법안", "규제",
    { "AI Act", weight = 3, caseless = true },
    { "행정명령", weight = 2, zones = "title" },
    { "국회", word = true },
  },
  negative = { "법인", { "방법", weight = 2 } },
  patterns = {
    [[(?<![A-Za-z0-9])SB\s?\d{2,5}]],
    { [[제\d+조]], weight = 2 },
  },
}

category "tech" {
  threshold = 4,
  keywords = { "반도체", "칩", { "GPU", weight = 2 } },
}

test { name = "two keywords reach the threshold",
       text = "오늘의 소식\n규제 법안이 나왔다.", label = "policy_law" }
test { name = "one keyword does not", text = "오늘의 소식\n법안 이야기", label = false }
test { name = "caseless", text = "소식\nai act 시행", label = "policy_law" }
test { name = "full-width caseless", text = "소식\nＡＩ ＡＣＴ 시행", label = "policy_law" }
test { name = "exact case by default", text = "소식\n규제 이야기 REGULATION", label = false }
test { name = "title zone weight", title = "규제 강화", text = "별다른 내용 없음",
       label = "policy_law" }
test { name = "title-only keyword in the title",
       text = "행정명령 발표\n내용은 짧다", label = "policy_law" }
test { name = "title-only keyword in the body",
       text = "소식\n행정명령 이야기", label = false }
test { name = "word keyword with a particle", text = "소식\n국회는 법안을 냈다",
       label = "policy_law" }
test { name = "word keyword inside a longer word",
       text = "소식\n국회의원 국회의원 법안", label = false }
test { name = "negative keywords subtract", text = "소식\n법안 규제 법인 설립",
       label = false }
test { name = "negative weight", text = "소식\n법안 규제 규제 방법", label = false }
test { name = "pattern", text = "소식\nSB 1047 법안", label = "policy_law" }
test { name = "pattern not inside a word", text = "소식\nXSB 1047 법안", label = false }
test { name = "weighted pattern", text = "소식\n제3조 개정", label = "policy_law" }
test { name = "max_count caps one keyword", text = "소식\n법안 법안 법안 법안 법인 법인",
       label = false }
test { name = "category threshold", text = "소식\n칩 반도체", label = false }
test { name = "category threshold reached", text = "소식\nGPU 칩 반도체", label = "tech" }
test { name = "Latin word edges", text = "소식\nGPUs 칩 반도체 반도체", label = false }
