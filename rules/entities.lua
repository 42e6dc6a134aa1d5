-- entities.lua — companies and laws in Korean AI-industry news, and the
-- spans (sources, URLs) where nothing counts.
--
-- Companies come from a dictionary (dict/companies.tsv) plus one shape that
-- names companies nobody listed: a company descriptor followed by a name with
-- its Latin spelling in parentheses ("물류 기업 한솔로지(Hansol Logi)").
-- Laws come from their shapes (quoted names, bill numbers, "…에 관한 법률",
-- compound names ending in a law word) and a dictionary of variants.
--
-- Hangul has no \b: every pattern uses lookarounds on [\p{Hangul}A-Za-z0-9].
-- Repetitions are bounded ({0,15} rather than *): a bounded pattern runs
-- only in a window before each literal it needs, an unbounded one over the
-- whole document, which costs many times more.

-- ---------------------------------------------------------------------------
-- Ignored spans: sources and references are not the story.
-- ---------------------------------------------------------------------------
ignore {
  -- A source line ("출처: …", "자료: …", "Source: …") and the citation lines
  -- that follow it (a line holding a date like 2024.03.13 or a URL).
  [[(?m)^[ \t]*(?:출처|자료|참고\s?문헌|참고|Sources?|References?)[ \t]*[:：][^\n]*(?:\n[ \t]*(?:\n[ \t]*)*(?![-○●◦•△▶*])[^\n]*(?:(?:19|20)\d\d\.\s?\d{1,2}\.(?:\s?\d{1,2}\.?)?|https?://)[^\n]*)*]],
  [[(?:https?://|www\.)[^\s<>()]+]],
  [[<https?://[^>\n]*>]],
}

-- ---------------------------------------------------------------------------
-- Companies
-- ---------------------------------------------------------------------------
-- What precedes a company's name when a writer introduces it.
local DESCRIPTOR = [[(?:기업|회사|스타트업|업체|제조사|개발사|플랫폼|그룹|운영사|자회사|투자사|컨설팅사|은행)]]
-- Latin tokens that follow a descriptor but name no company.
local NOT_A_NAME = [[(?!(?:SB|HB|AB|HR)\s?\d)(?!(?:AI|IT|ICT|CEO|CTO|CFO|COO|LLM|API|GPU|CPU|NPU|SW|HW|R&D|B2B|B2C|SaaS|IPO|M&A|ESG|DX|AX|PC|TV|OS|UI|UX)(?![A-Za-z0-9&]))]]

entity "company" {
  priority = 10,
  word = true,
  caseless = false,
  dictionary = "dict/companies.tsv",
  patterns = {
    -- "채용 기업 누리 커리어 파트너스(Nuri Career Partners)": the Latin
    -- name in parentheses is the canonical one.
    DESCRIPTOR .. [[\s+[\p{Hangul}][\p{Hangul}.]{0,15}(?:\s[\p{Hangul}A-Z][\p{Hangul}A-Za-z.]{0,15}){0,3}\s?\(]]
      .. NOT_A_NAME .. [[(?<name>[A-Za-z][A-Za-z0-9.&'\-]{0,30}(?:\s[A-Za-z0-9][A-Za-z0-9.&'\-]{0,30}){0,4})\)]],
    -- "채용 플랫폼 ZipRecruiter": a capitalised Latin name right after it.
    DESCRIPTOR .. [[\s+]] .. NOT_A_NAME
      .. [[(?<name>[A-Z][A-Za-z0-9]{0,30}[a-z][A-Za-z0-9]{0,30}(?:[.&\-][A-Za-z0-9]{1,30}){0,3}(?:\s[A-Z][A-Za-z0-9]{1,30}){0,3})(?![A-Za-z0-9])]],
    -- "X(옛 트위터)": the bare letter only where the text says what it is.
    [[(?<![A-Za-z0-9])(?<name>X)(?=\s?\((?:옛|구)\s?트위터)]],
  },
}

-- ---------------------------------------------------------------------------
-- Laws
-- ---------------------------------------------------------------------------
-- After a Hangul name: the end of the word, or a particle.
local AFTER = [[(?=$|[^\p{Hangul}]|(?:은|는|이|가|을|를|의|에|과|와|도|으로|로|만|상|에서|까지|보다)(?![\p{Hangul}]))]]
local BEFORE = [[(?<![\p{Hangul}A-Za-z0-9·])]]
-- A jurisdiction that may lead a law's name ("뉴욕주 형법", "EU 저작권법").
local PLACE = [[(?:EU|미국|미|영국|일본|중국|한국|독일|프랑스|캐나다|호주|인도|유럽연합|연방|[\p{Hangul}]{1,5}주)]]
-- Stems that make a law's name on their own: 저작권법, 형법 (with a place).
local OWN_STEM = [[(?:저작권|개인정보보호|반독점|독점금지|공정거래|전자상거래|근로기준|공직선거|정보통신망|산업안전보건|통신비밀보호)]]
-- Stems that need a qualifier attached before them: 초·중등교육법,
-- 성폭력처벌법, 데이터보호법 — never 교육법 or 관리법 alone (methods).
local QUAL_STEM = [[(?:보호|기본|특별|특례|진흥|촉진|규제|금지|방지|육성|감축|안전|보건|거래|서비스|시장|기준|처벌|책임|교육|선거|산업|이민|소비자|플랫폼|통신|노동|고용|데이터|정보)]]
-- The stems that may also stand after a space (개인정보 보호법, 데이터
-- 기본법): words that do not end a method's name ("코딩 교육법" is one).
local SPACED_STEM = [[(?:보호|기본|특별|특례|진흥|촉진|규제|금지|방지|육성|감축|처벌|책임|서비스|시장|산업)]]
-- A qualifier word before a spaced stem: a Latin acronym, or a Hangul word
-- that does not end like a verb, an adverb or a particle.
local QUALIFIER = [[(?:[A-Z]{2,6}|[\p{Hangul}·]{2,10}(?<![은는을를이가의에와과도로한된할며고서라여해게히던적]))]]

entity "law" {
  priority = 5,
  word = true,
  caseless = false,
  dictionary = "dict/laws.tsv",
  patterns = {
    -- 「인공지능 발전과 신뢰 기반 조성 등에 관한 기본법」: Korean legal writing
    -- quotes law names so.
    [[「\s*(?<name>[^」\n]{2,80}?)\s*」]],
    -- 『…』 quotes books too: only names that end in a law word.
    [[『\s*(?<name>[^』\n]{1,80}?(?:법|법률|법안|협약|조약|규정|지침|기본법|특례법|시행령|행정명령|Act|Convention|Treaty))\s*』]],
    -- US bill numbers: SB 1047, SB1047, HB 986, AB 1018, H.R. 5628.
    [[(?<![A-Za-z0-9.])(?<name>(?:SB|HB|AB|HR|LD|SF|HF|H\.R\.|S\.B\.)\s?\d{1,5})(?![\d])]],
    -- "…에 관한 (기본) 법률/협약": the name runs back over words that are not
    -- numbers and do not end like a verb or a topic.
    BEFORE .. [[(?<name>(?:[\p{Hangul}A-Za-z][\p{Hangul}A-Za-z0-9·]{0,15}(?<![은는을를한된했며])\s){0,7}[\p{Hangul}A-Za-z][\p{Hangul}A-Za-z0-9·]{0,15}에\s?관한\s(?:(?:기본|국제|특별|일반)\s?)?(?:법률|법|협약|조약|협정|규정|특례법|기본법|특별법))]] .. AFTER,
    -- Compound names: [place] 저작권법, 개인정보보호법, 뉴욕주 형법.
    BEFORE .. [[(?<name>(?:]] .. PLACE .. [[\s)?[\p{Hangul}·]{0,8}]] .. OWN_STEM .. [[법)]] .. AFTER,
    BEFORE .. [[(?<name>]] .. PLACE .. [[\s(?:형|민|상|헌|세|이민|행정)법)]] .. AFTER,
    -- [qualifier] + stem + 법: 초·중등교육법, 개인정보 보호법, 데이터 기본법.
    BEFORE .. [[(?<name>(?:]] .. PLACE .. [[\s)?[\p{Hangul}·]{2,10}]] .. QUAL_STEM .. [[법)]] .. AFTER,
    BEFORE .. [[(?<name>(?:]] .. PLACE .. [[\s)?]] .. QUALIFIER .. [[\s]] .. SPACED_STEM .. [[법)]] .. AFTER,
    -- English names: Artificial Intelligence Act, Digital Services Act.
    [[(?<![A-Za-z])(?<name>(?:[A-Z][A-Za-z\-]{0,20}\s){1,6}(?:Act|Convention|Treaty|Directive|Regulation))(?![A-Za-z])]],
    [[(?<![A-Za-z])(?<name>(?:[A-Z][A-Za-z\-]{0,20}\s){0,3}(?:Convention|Treaty|Agreement)\s(?:on|for)\s[A-Z][A-Za-z\-]{0,20}(?:(?:,\s|\s)(?:(?:and|of|the|on|for|in)\s){0,3}[A-Z][A-Za-z\-]{0,20}){0,10})]],
    -- Executive orders: "AI 행정명령", "행정명령 14110호".
    [[(?<name>(?:AI|인공지능)\s?행정명령)]] .. AFTER,
    [[(?<name>행정명령\s?(?:제\s?)?\d{4,5}\s?호)]],
  },
}

-- ---------------------------------------------------------------------------
-- Clean-up hook
-- ---------------------------------------------------------------------------
-- News organisations are companies when they act (sue, license, partner),
-- not when they are cited as the reporter of the story.
local MEDIA = {}
for _, name in ipairs {
  "The New York Times", "The Wall Street Journal", "The Washington Post",
  "Chicago Tribune", "New York Daily News", "The Intercept", "Associated Press",
  "Reuters", "Financial Times", "Bloomberg", "BBC", "The Guardian",
  "The Economist", "Nikkei", "Le Monde", "Axel Springer", "News Corp",
  "Dow Jones", "Yonhap", "The Atlantic", "Vox Media", "Ziff Davis", "Condé Nast",
  "Asahi Shimbun", "Yomiuri Shimbun", "Mainichi Shimbun", "New York Post",
} do MEDIA[name] = true end

-- Words that, shortly after an outlet's name, make it the reporter.
local REPORTED = { "보도", "따르면", "인터뷰", "기사", "칼럼", "기고", "사설", "취재", "에 실린", "에 게재" }

-- Law "names" that are kinds of law, not laws.
local NOT_A_LAW = {
  ["국내법"] = true, ["국제법"] = true, ["현행법"] = true, ["관련법"] = true,
  ["기본법"] = true, ["특별법"] = true, ["개정법"] = true, ["해당 법"] = true,
}

local function reported_at(text, stop)
  local window = text:sub(stop + 1, stop + 90)
  -- within the same sentence only
  local cut = window:find("다%.") or window:find("\n")
  if cut then window = window:sub(1, cut) end
  for _, w in ipairs(REPORTED) do
    if window:find(w, 1, true) then return true end
  end
  return false
end

-- Whether every body mention of company `name` is a reporting credit.
local function only_reporter(doc, name)
  local seen = false
  for _, h in ipairs(doc.hits) do
    if h.kind == "entity" and h.entity == "company" and h.term == name then
      if h.zone == "title" or not reported_at(doc.text, h.stop) then
        return false
      end
      seen = true
    end
  end
  return seen
end

-- Company names that are also common words in research and general prose:
-- "메타 분석" (meta-analysis), "퍼플렉시티가 낮다" (the perplexity metric),
-- "알파벳 순서", "아마존 열대우림". A mention followed (after a particle and
-- spaces) by one of these words is the common word.
local COMMON_NEXT = {
  Meta = { "분석", "학습", "인지", "데이터", "러닝", "정보", "평가", "프롬프트" },
  Perplexity = { "지표", "값", "점수", "척도", "낮", "높", "줄", "감소", "증가", "측정" },
  Alphabet = { "순서", "문자", "글자", "표기", "대문자", "소문자" },
  Amazon = { "열대우림", "밀림", "유역", "강 " },
}
local NEXT_PARTICLES = { "가", "이", "를", "을", "는", "은", "의", "" }

local function common_use(text, stop, words)
  local after = text:sub(stop + 1, stop + 40)
  for _, p in ipairs(NEXT_PARTICLES) do
    if after:sub(1, #p) == p then
      local rest = after:sub(#p + 1):gsub("^%s+", "")
      for _, w in ipairs(words) do
        if rest:sub(1, #w) == w then return true end
      end
    end
  end
  return false
end

-- Whether every mention of company `name` is the common word.
local function only_common(doc, name)
  local words = COMMON_NEXT[name]
  if not words then return false end
  local text, title = doc.text or "", doc.title or ""
  local title_in_text = #title > 0 and text:sub(1, #title) == title
  local seen = false
  for _, h in ipairs(doc.hits) do
    if h.kind == "entity" and h.entity == "company" and h.term == name then
      local src = (h.zone == "title" and not title_in_text) and title or text
      if not common_use(src, h.stop, words) then return false end
      seen = true
    end
  end
  return seen
end

-- "SB1047" and "SB 1047" are one bill.
local function bill_name(name)
  local prefix, num = name:match("^([A-Z][A-Z.]*)%s*(%d+)$")
  if prefix then return prefix .. " " .. num end
  return nil
end

function classify(doc, scores)
  local drops, adds = {}, {}
  for _, e in ipairs(doc.entities) do
    if e.type == "company" and MEDIA[e.name] and only_reporter(doc, e.name) then
      drops[#drops + 1] = { e.type, e.name }
    elseif e.type == "company" and only_common(doc, e.name) then
      drops[#drops + 1] = { e.type, e.name }
    elseif e.type == "law" then
      if NOT_A_LAW[e.name] then
        drops[#drops + 1] = { e.type, e.name }
      else
        local bill = bill_name(e.name)
        if bill and bill ~= e.name then
          drops[#drops + 1] = { e.type, e.name }
          adds[#adds + 1] = { e.type, bill, e.start, e.stop }
        end
      end
    end
  end
  for _, d in ipairs(drops) do doc:drop_entity(d[1], d[2]) end
  for _, a in ipairs(adds) do doc:add_entity(a[1], a[2], a[3], a[4]) end
  return nil
end

-- ---------------------------------------------------------------------------
-- Tests
-- ---------------------------------------------------------------------------
test {
  name = "companies by Korean and Latin names, with particles",
  text = "오픈AI는 마이크로소프트와 협력하고, 앤트로픽의 투자자인 Amazon도 참여했다.",
  entities = { company = { "OpenAI", "Microsoft", "Anthropic", "Amazon" } },
}
test {
  name = "no company inside longer words",
  text = "메타버스 애플리케이션과 드라마, 가이드라인, 아마존닷컴이 아닌 것들. 모델 훈련 데이터.",
  absent = { company = { "Meta", "Apple", "LY Corporation" } },
}
test {
  name = "company aliases that are also common words stay out",
  text = "새로운 시장\n\nAI가 여는 신세계, 광섬유 파이버 채널, 스트라이프 무늬, H-1B Visa 발급, 생산 라인 증설.",
  absent = { company = { "Shinsegae", "Fiverr", "Stripe", "Visa", "LY Corporation" } },
}
test {
  name = "MS is case-sensitive and whole",
  text = "MS가 투자했다. ms 단위 지연과 MSFT, CMS 시스템.",
  entities = { company = { "Microsoft" } },
}
test {
  name = "a descriptor introduces an unlisted company",
  text = "독일의 채용 기업 누리 커리어 파트너스(Nuri Career Partners)는 원격근무가 늘었다고 밝혔다.",
  entities = { company = { "Nuri Career Partners" } },
}
test {
  name = "a bill number in parentheses is no company",
  text = "법안 심사\n\nAI 개발사 책임 강화 법안(AB 1018)은 위원회에 계류됐다.",
  entities = { law = { "AB 1018" } },
  absent = { company = { "AB 1018" } },
}
test {
  name = "a descriptor followed by a non-name",
  text = "국내 AI 기업 CEO들이 모였다.",
  absent = { company = { "CEO" } },
}
test {
  name = "an outlet cited as the reporter is not an entity; one that sues is",
  text = "AI 업계 소식\n\n월스트리트저널의 3월 보도에 따르면 채용이 늘었다. 뉴욕타임스는 오픈AI를 상대로 소송을 제기했다.",
  entities = { company = { "The New York Times", "OpenAI" } },
  absent = { company = { "The Wall Street Journal" } },
}
test {
  name = "nothing counts on source lines",
  text = "AI 규제 동향\n\n본문에는 회사 이름이 없다.\n\n출처: Google Blog, Gemini update, 2024.03.01.\nMicrosoft, Copilot news, 2024.03.02.",
  absent = { company = { "Google", "Microsoft" } },
}
test {
  name = "AI Act under its Korean and English names",
  text = "유럽의회가 AI 법(AI Act)을 가결했다. EU AI 법은 2년 뒤 시행된다.",
  entities = { law = { "AI Act" } },
}
test {
  name = "US bill numbers with and without a space",
  text = "조지아주 하원은 HB 986을, 캘리포니아는 SB1047을 처리했다.",
  entities = { law = { "HB 986", "SB 1047" } },
}
test {
  name = "quoted law names and names by shape",
  text = "「개인정보 보호법」 개정과 함께 초·중등교육법, 뉴욕주 형법, EU 저작권법도 논의됐다.",
  entities = { law = { "개인정보 보호법", "초·중등교육법", "뉴욕주 형법", "EU 저작권법" } },
}
test {
  name = "a treaty named by 에 관한 협약",
  text = "유럽평의회는 AI·인권·민주주의·법치에 관한 기본 협약 초안에 합의했다.",
  entities = { law = { "AI·인권·민주주의·법치에 관한 기본 협약" } },
}
test {
  name = "words ending in 법 that are no laws",
  text = "새로운 방법과 기법, 문법, 해법, 불법 행위, 입법 필요성, 사법 당국, 법인 설립, 법원 판결, 학습법, 코딩 교육법, 국내법과 국제법, 예산법안, 편법.",
  absent = { law = { "방법", "기법", "문법", "해법", "불법", "입법", "사법", "법인", "법원",
                     "학습법", "교육법", "코딩 교육법", "국내법", "국제법", "예산법안", "편법" } },
}
test {
  name = "GDPR, DMA and DSA",
  text = "EU는 GDPR과 디지털시장법(DMA), 디지털서비스법(DSA)을 근거로 조사했다.",
  entities = { law = { "GDPR", "DMA", "DSA" } },
}
test {
  name = "company names used as common words in research prose",
  text = "연구 동향\n\n연구진은 메타 분석과 메타 학습을 했고, 언어모델의 퍼플렉시티가 낮았다. 알파벳 순서로 정렬했다. 아마존 열대우림 사진.",
  absent = { company = { "Meta", "Perplexity", "Alphabet", "Amazon" } },
}
test {
  name = "the same names as companies stay",
  text = "메타와 퍼플렉시티\n\n메타는 새 모델을 공개했다. 퍼플렉시티는 투자를 유치했다. 메타 분석도 함께 실렸다.",
  entities = { company = { "Meta", "Perplexity" } },
}
test {
  name = "Japanese newspapers sue; cited as the reporter they are no entity",
  text = "일본 신문사들, AI 기업에 소송\n\n아사히신문과 요미우리신문이 소송을 제기했다. 마이니치신문의 보도에 따르면 도쿄일렉트론도 영향을 받는다.",
  entities = { company = { "Asahi Shimbun", "Yomiuri Shimbun", "Tokyo Electron" } },
  absent = { company = { "Mainichi Shimbun" } },
}
test {
  name = "a collective agreement is no treaty",
  text = "작가 노조가 제작사들과 단체협약을 타결했다.",
  absent = { law = { "단체협약" } },
}
