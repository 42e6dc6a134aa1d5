category "from_B" {}
function classify(doc, scores) return "from_B" end
