-- settings: the global threshold and the size of the lead zone.
settings { threshold = 3, lead_bytes = 10 }
category "policy_law" { zones = { lead = 5 }, keywords = { "법안" } }
test { name = "in the lead", text = "소식\n법안 첫 줄\n둘째 줄", label = "policy_law" }
test { name = "past the lead",
       text = "소식\n첫 줄은 길게 씁니다 아주 길게\n둘째 줄\n셋째 줄에 법안", label = false }
test { name = "below the threshold", text = "소식\n첫 줄은 길게 씁니다\n법안 법안", label = false }
