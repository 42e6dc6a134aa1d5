-- A module of shared lists. It is also a rule file of the folder, yet it
-- runs once: a second run would declare "shared" twice.
category "shared" { keywords = { "공통" } }
return { words = { "법안", "규제" }, seen_by = {} }
