-- ignore: nothing inside an ignored span counts.
category "policy_law" { keywords = { "법안" } }
ignore {
  [[(?m)^\s*출처\s*:.*$]],
  { [[https?://\S+]], caseless = true },
}
test { name = "counts outside", text = "소식\n법안 통과", label = "policy_law" }
test { name = "source line", text = "소식\n  출처: 법안 뉴스", label = false }
test { name = "URL", text = "소식\nHTTPS://example.com/법안", label = false }
