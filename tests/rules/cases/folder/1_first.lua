-- Loaded first: "1" < "B" < "a" in byte order.
category "from_1" {}
function classify(doc, scores) return "from_1" end
