category "ok" { keywords = { "법안" } }

category "broken" {
  keywords = { "규제" "법령" },
}
