-- Names and terms with a NUL byte are refused, not cut short.
category "a\0b" { keywords = { "x" } }
category "c" { keywords = { "y\0z", { "w\0v" } } }
entity "e" { aliases = { K = { "k\0q" } } }
