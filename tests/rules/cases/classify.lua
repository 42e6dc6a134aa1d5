-- Documents through `bunryu classify`: scores a hook changed, entities it
-- added, and a document whose hook fails while the batch goes on.
category "fruit" { label = "과일", keywords = { "사과", "배" } }
category "snack" { label = "간식", keywords = { "과자", { "바나나", weight = 2 } } }
entity "brand" { aliases = { ["해님제과"] = { "해님제과", "해님" } } }

function classify(doc, scores)
  if doc:count("바나나") > 0 then scores.snack = scores.snack + 10 end
  if doc.text:find("무한", 1, true) then while true do end end
  if doc.title:find("강제", 1, true) then return "fruit" end
  for _, e in ipairs(doc.entities) do
    if e.name == "해님제과" then doc:add_entity("brand", "해님제과 (약칭)", e.start, e.stop) end
  end
end
