-- Hooks run in file order, so the last one to return a label wins.
category "from_a" {}
function classify(doc, scores) end
test { name = "hooks ran in file order", text = "아무 글", label = "from_B" }
