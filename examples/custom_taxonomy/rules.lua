-- A custom taxonomy: customer-support tickets of an online shop, in Korean.
-- Nothing in the engine knows about news; categories and entities are what
-- the rules say. Try:
--   bunryu classify -r examples/custom_taxonomy/rules.lua examples/custom_taxonomy/tickets
--   bunryu test examples/custom_taxonomy/rules.lua

settings { threshold = 2 }

local ZONES = { title = 3, lead = 1, body = 1 }

category "billing" {
  label = "결제/환불",
  zones = ZONES,
  keywords = { "결제", "환불", "카드", "청구", "영수증", { "이중 결제", weight = 3 },
               { "취소 수수료", weight = 2 } },
}

category "delivery" {
  label = "배송",
  zones = ZONES,
  keywords = { "배송", "택배", "도착", "송장", { "배송 지연", weight = 3 }, "반송",
               { "분실", weight = 2 } },
}

category "account" {
  label = "계정",
  zones = ZONES,
  keywords = { "로그인", "비밀번호", "계정", "탈퇴", "인증", { "휴면", weight = 2 } },
}

-- Order numbers like ORD-2024-000123, and the carriers by name.
entity "order" {
  patterns = { [[(?<![A-Z0-9-])(?<name>ORD-\d{4}-\d{6})(?![0-9])]] },
}
entity "carrier" {
  word = true,
  aliases = {
    ["한빛택배"] = { "한빛택배", "한빛" },
    ["누리로지스"] = { "누리로지스", "누리 로지스" },
  },
}

-- A ticket quoting the shop's own signature should not count it.
ignore { [[(?m)^--\s*$[\s\S]*]] }

-- A hook: an angry customer (three or more exclamation marks) is urgent;
-- here it only raises the score of what the ticket is about.
function classify(doc, scores)
  local _, bangs = doc.text:gsub("!", "")
  if bangs >= 3 then
    for name, score in pairs(scores) do
      if score > 0 then scores[name] = score + 1 end
    end
  end
end

test {
  name = "a double charge is billing",
  text = "카드가 두 번 결제됐어요\n\n어제 주문 ORD-2024-000123 건이 이중 결제됐습니다. 환불 부탁드립니다.",
  label = "billing",
  entities = { order = { "ORD-2024-000123" } },
}
test {
  name = "a lost parcel is delivery",
  text = "택배가 안 와요\n\n한빛택배 송장 조회가 일주일째 멈춰 있어요. 분실된 건가요?",
  label = "delivery",
  entities = { carrier = { "한빛택배" } },
}
test {
  name = "the signature does not count",
  text = "비밀번호를 잊었어요\n\n로그인이 안 됩니다.\n--\n결제 배송 환불 문의는 고객센터로",
  label = "account",
}
