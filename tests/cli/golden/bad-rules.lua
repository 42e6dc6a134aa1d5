-- Mistakes a rule author makes; `bunryu check` must report each with file:line.
category "x" {
  keywords = { "규제" },
  patterns = { [[법안(\d+]] },
}
category "x" {
  keywords = { "법안" },
}
