-- A small, stable rule set for the CLI golden tests (not the default pack).
category "policy" {
  label = "정책",
  zones = { title = 3, lead = 2, body = 1 },
  keywords = { "법안", "규제", { "국회", word = true }, { "행정명령", weight = 2 } },
  negative = { { "방법", weight = 0.5 } },
}
category "company" {
  label = "기업",
  zones = { title = 3, lead = 2, body = 1 },
  keywords = { "출시", "투자", "인수", { "매출", weight = 2 } },
}
entity "company" {
  word = true,
  aliases = {
    OpenAI = { "오픈AI", { "OpenAI", caseless = true } },
    Meta = { "메타" },
    Microsoft = { "마이크로소프트", "MS" },
  },
}
entity "law" {
  patterns = { [[「(?<name>[^」\n]{1,40})」]] },
}
ignore { [[(?m)^출처\s*:.*$]] }
