category "x" {
  keywords = { "규제" }
  weight = 2,
}
