-- categories.lua — the four sections of a Korean AI-industry news brief.
--
--   policy_law           정책/법제  governments, parliaments, laws, courts, elections
--   company_industry     기업/산업  products, deals, money, markets, companies' lawsuits
--   tech_research        기술/연구  research, papers, benchmarks, evaluations, warnings
--   workforce_education  인력/교육  jobs, hiring, wages, labour, education and training
--
-- Two kinds of evidence, both general:
--   * vocabulary: each category's keywords, weighted by zone (the title says
--     what the story is; the lead repeats it; the body wanders into context);
--   * the actor: who the title says acts — the phrase before the title's
--     comma ("연구자들, …", "오픈AI, …", "교육부, …") — read by the hook at
--     the end of this file, which tilts the scores toward that actor's field.
-- Repeated words are capped (max_count) so that a long aside cannot outvote
-- the title.

settings {
  threshold = 3.0,
  lead_bytes = 600,
}

local ZONES = { title = 4, lead = 2, body = 1 }
local CAP = 4

category "policy_law" {
  label = "정책/법제",
  zones = ZONES,
  max_count = CAP,
  keywords = {
    -- lawmaking
    { "법안", weight = 3 }, { "입법", weight = 2 }, { "법률", weight = 2 },
    { "법제", weight = 2 }, { "개정안", weight = 3 }, { "시행령", weight = 3 },
    { "발의", weight = 3 }, { "개발의", weight = 0 }, { "가결", weight = 3 }, { "의결", weight = 3 },
    { "부결", weight = 3 }, { "본회의", weight = 3 }, { "제정", weight = 2 },
    { "발효", weight = 3 }, { "시행", weight = 2 }, { "시행착오", weight = 0 },
    { "입법예고", weight = 3 }, { "법령", weight = 2 }, { "조례", weight = 3 },
    { "헌법", weight = 3 }, { "과태료", weight = 3 }, { "위반", weight = 2 },
    { "행정명령", weight = 3 }, { "조약", weight = 3, word = true },
    { "협약", weight = 3, word = true }, { "비준", weight = 3 },
    { "의무화", weight = 2 }, { "규제", weight = 2 }, { "규제당국", weight = 2 },
    { "규정", weight = 1 }, { "가이드라인", weight = 1 }, { "지침", weight = 1 },
    -- who governs
    { "정부", weight = 2 }, { "당국", weight = 2 }, { "의회", weight = 3 },
    { "국회", weight = 3 }, { "상원", weight = 3 }, { "하원", weight = 3 },
    { "의원", weight = 2, word = true }, { "여당", weight = 3 }, { "야당", weight = 3 },
    { "장관", weight = 2 }, { "대통령", weight = 2 }, { "총리", weight = 2 },
    { "주지사", weight = 3 }, { "주정부", weight = 3 }, { "집행위", weight = 3 },
    { "위원회", weight = 1 }, { "회원국", weight = 2 }, { "국무부", weight = 2 },
    { "상무부", weight = 2 }, { "부처", weight = 2 }, { "공공기관", weight = 2 },
    { "정책", weight = 2 }, { "국가 전략", weight = 2 }, { "거버넌스", weight = 1 },
    { "국가 안보", weight = 2 }, { "수출 통제", weight = 3 }, { "제재", weight = 2 },
    { "과징금", weight = 3 }, { "벌금", weight = 2 }, { "시정", weight = 2 },
    { "관할", weight = 2 }, { "반독점", weight = 3 }, { "독점", weight = 2 },
    -- regulators at work: probes, hearings, orders, permits
    { "조사에 착수", weight = 3 }, { "조사 착수", weight = 3 }, { "청문회", weight = 3 },
    { "경쟁당국", weight = 3 }, { "경쟁 당국", weight = 3 }, { "감독기관", weight = 3 },
    { "감독 기관", weight = 3 }, { "감독기구", weight = 3 }, { "규제 기관", weight = 3 },
    { "규제기관", weight = 3 }, { "공정거래", weight = 2 }, { "위원장", weight = 2 },
    { "행정지도", weight = 3 }, { "인허가", weight = 2 }, { "허가", weight = 1 },
    { "보조금", weight = 2 }, { "수출 규제", weight = 3 }, { "수출규제", weight = 3 },
    { "안보", weight = 2 }, { "외교", weight = 2 },
    -- courts and crimes
    { "법원", weight = 2 }, { "재판부", weight = 3 }, { "판결", weight = 3 },
    { "선고", weight = 3 }, { "기소", weight = 3 }, { "검찰", weight = 3 },
    { "경찰", weight = 2 }, { "징역", weight = 3 }, { "범죄", weight = 2 },
    { "처벌", weight = 2 }, { "불법", weight = 1 }, { "단속", weight = 2 },
    { "혐의", weight = 2 },
    -- elections and democracy
    { "선거", weight = 3 }, { "유권자", weight = 3 }, { "대선", weight = 3 },
    { "총선", weight = 3 }, { "투표", weight = 3 }, { "선관위", weight = 3 },
    { "후보", weight = 2 }, { "민주주의", weight = 2 }, { "인권", weight = 1 },
    -- international rule-making
    { "정상회의", weight = 3 }, { "정상들", weight = 3 }, { "공동성명", weight = 3 },
    { "행동강령", weight = 3 }, { "국제기구", weight = 2 }, { "국제 규범", weight = 2 },
    { "법적 구속력", weight = 3 }, { "각국", weight = 1 }, { "합의", weight = 1 },
    { "백악관", weight = 3 }, { "연방정부", weight = 2 }, { "연방기관", weight = 2 },
    { "행정부", weight = 2 }, { "의무", weight = 1 }, { "준수", weight = 2 },
    { "이행", weight = 1 }, { "권고", weight = 1 },
  },
  negative = {
    -- a company's own court fight is business news
    { "소송을 제기", weight = 1 },
  },
  patterns = {
    -- a bill by its number
    { [[(?<![A-Za-z0-9])(?:SB|HB|AB|H\.R\.)\s?\d{1,5}(?!\d)]], weight = 3 },
    -- a law by its shape (「…법」, …에 관한 법률, …법 개정)
    { [[「[^」\n]{1,60}(?:법|법률|령|규칙|협약)」]], weight = 3 },
    { [[(?<![\p{Hangul}])[\p{Hangul}]{2,12}(?:보호|기본|특별|특례|진흥|규제|금지)법(?![\p{Hangul}]|[은는이을를의에과와도])]], weight = 2 },
  },
}

category "company_industry" {
  label = "기업/산업",
  zones = ZONES,
  max_count = CAP,
  keywords = {
    -- products
    { "출시", weight = 3 }, { "선보", weight = 2 }, { "신제품", weight = 3 },
    { "제품", weight = 2 }, { "서비스", weight = 1 }, { "요금", weight = 2 },
    { "구독", weight = 2 }, { "유료", weight = 2 }, { "가격", weight = 1 },
    { "판매", weight = 2 }, { "상용화", weight = 3 }, { "시연", weight = 2 },
    { "프리뷰", weight = 2 }, { "버전", weight = 1 }, { "업데이트", weight = 1 },
    { "고객", weight = 2 }, { "고객사", weight = 2 }, { "사용자", weight = 1 },
    { "앱", weight = 1, word = true }, { "플랫폼", weight = 1 },
    { "출하", weight = 3 }, { "제출하", weight = 0 }, { "진출하", weight = 0 },
    { "탑재", weight = 2 }, { "미리보기", weight = 2 },
    { "개발자 회의", weight = 2 }, { "기조연설", weight = 2 }, { "경쟁", weight = 1 },
    -- money and deals
    { "투자 유치", weight = 3 }, { "투자를 유치", weight = 3 }, { "투자", weight = 1 },
    { "투자자", weight = 2 }, { "투자사", weight = 2 }, { "벤처캐피털", weight = 3 },
    { "인수", weight = 3 }, { "합병", weight = 3 }, { "매각", weight = 3 },
    { "매출", weight = 3 }, { "영업이익", weight = 3 }, { "실적", weight = 3 },
    { "사실적", weight = 0 }, { "수익", weight = 2 },
    { "주가", weight = 3, word = true },               -- not "캘리포니아주가"
    { "시가총액", weight = 3 }, { "시장조사", weight = 3 }, { "지출", weight = 1 },
    { "상장", weight = 2 }, { "기업가치", weight = 3 }, { "기업 가치", weight = 3 },
    { "지분", weight = 2 }, { "제휴", weight = 2 }, { "파트너십", weight = 2 },
    { "계약", weight = 2 }, { "공급", weight = 2 }, { "수주", weight = 3 },
    { "양산", weight = 3 }, { "라이선스", weight = 2 }, { "점유율", weight = 3 },
    { "경쟁사", weight = 3 }, { "시장", weight = 1 }, { "사업", weight = 2 },
    { "시장법", weight = 0 }, { "시장청", weight = 0 },   -- 디지털시장법, 경쟁시장청
    { "업계", weight = 2 }, { "증권가", weight = 3 },
    -- companies as actors
    { "스타트업", weight = 3 }, { "기업", weight = 1 }, { "업체", weight = 2 },
    { "빅테크", weight = 2 }, { "자회사", weight = 2 }, { "CEO", weight = 2 },
    { "최고경영자", weight = 2 }, { "창업자", weight = 2 }, { "이사회", weight = 1 },
    { "소송", weight = 2 }, { "손해배상", weight = 2 }, { "저작권 침해", weight = 2 },
  },
  negative = {
    -- "AI 기업에 요구", "기업에 의무": companies as the object of rules
    { "사업자", weight = 1 },
  },
  patterns = {
    -- a product put out: "새 모델 공개", "서비스를 출시", "GPU 발표"
    { [[(?:모델|서비스|제품|기능|앱|칩|GPU|버전|플랫폼|로봇|비서|챗봇|솔루션)(?:을|를|과|와|도)?\s?(?:정식\s?)?(?:공개|출시|발표|선보)]], weight = 2 },
  },
}

category "tech_research" {
  label = "기술/연구",
  zones = ZONES,
  max_count = CAP,
  keywords = {
    -- who
    { "연구진", weight = 3 }, { "연구팀", weight = 3 }, { "연구자", weight = 3 },
    { "과학자", weight = 3 }, { "연구소", weight = 2 }, { "연구원", weight = 1 },
    { "교수", weight = 2 }, { "학계", weight = 2 }, { "연구", weight = 2 },
    -- where it is published
    { "논문", weight = 3 }, { "학술지", weight = 3 }, { "학회", weight = 3 },
    { "저널", weight = 2, word = true }, { "arXiv", weight = 3, caseless = true },
    { "아카이브", weight = 2 }, { "보고서", weight = 1 }, { "네이처", weight = 2, word = true },
    { "프리프린트", weight = 2 }, { "정답률", weight = 2 }, { "오답", weight = 1 },
    { "편향", weight = 1 }, { "탈옥", weight = 2 }, { "통계적", weight = 1 },
    -- how it is measured
    { "벤치마크", weight = 1 }, { "데이터셋", weight = 2 }, { "실험", weight = 2 },
    { "평가", weight = 1 }, { "정확도", weight = 1 }, { "정확성", weight = 1 },
    { "측정", weight = 2 }, { "검증", weight = 1 }, { "재현", weight = 2 },
    { "오류", weight = 1 }, { "오탐", weight = 2 }, { "환각", weight = 2 },
    { "성능", weight = 1 }, { "분석", weight = 1 }, { "발견", weight = 2 },
    { "입증", weight = 2 }, { "시뮬레이션", weight = 2 }, { "결과", weight = 1 },
    -- what it is about
    { "알고리즘", weight = 2 }, { "기법", weight = 1 }, { "방법론", weight = 2 },
    { "아키텍처", weight = 1 }, { "신경망", weight = 1 }, { "트랜스포머", weight = 1 },
    { "매개변수", weight = 1 }, { "파라미터", weight = 1 }, { "추론", weight = 1 },
    { "학습", weight = 1 }, { "멀티모달", weight = 1 }, { "확산 모델", weight = 1 },
    { "취약", weight = 2 }, { "공격", weight = 1 }, { "탐지", weight = 1 },
    { "정의", weight = 1, word = true }, { "표준", weight = 1 }, { "기술", weight = 1 },
    { "안전성", weight = 1 }, { "신뢰성", weight = 1 }, { "예측", weight = 1 },
    { "입력", weight = 1 }, { "출력", weight = 1 },
    { "경고", weight = 1 }, { "우려", weight = 1 },
  },
}

category "workforce_education" {
  label = "인력/교육",
  zones = ZONES,
  max_count = CAP,
  keywords = {
    -- jobs and pay
    { "일자리", weight = 3 }, { "채용", weight = 3 }, { "고용", weight = 3 },
    { "구인", weight = 3 }, { "기구인", weight = 0 }, { "구직", weight = 3 }, { "취업", weight = 3 },
    { "실업", weight = 3 }, { "실직", weight = 3 }, { "해고", weight = 3 }, { "감원", weight = 3 },
    { "인력 감축", weight = 3 }, { "인력을 줄", weight = 3 }, { "구조조정", weight = 3 },
    { "퇴사", weight = 2 }, { "인턴", weight = 2, word = true },
    { "이직", weight = 2 }, { "인력", weight = 2 }, { "인재", weight = 2 },
    { "직무", weight = 3 }, { "직업", weight = 2 }, { "직종", weight = 3 },
    { "직군", weight = 3 }, { "사무직", weight = 3 }, { "생산직", weight = 3 },
    { "관리직", weight = 3 }, { "신입", weight = 2 }, { "경력직", weight = 3 },
    { "임금", weight = 3 }, { "연봉", weight = 3 }, { "급여", weight = 2 },
    -- work and labour
    { "노동", weight = 3 }, { "노동자", weight = 3 }, { "근로자", weight = 3 },
    { "근로", weight = 2 }, { "근무", weight = 3 }, { "근무제", weight = 3 },
    { "직원", weight = 2 }, { "직장인", weight = 3 }, { "노조", weight = 3 },
    { "노동조합", weight = 3 }, { "노사", weight = 3 }, { "파업", weight = 3 },
    { "단체협약", weight = 3 }, { "업무", weight = 1 }, { "생산성", weight = 1 },
    -- education and training
    { "교육", weight = 2 }, { "교육과정", weight = 3 }, { "직업훈련", weight = 3 },
    { "재교육", weight = 3 }, { "재훈련", weight = 3 }, { "훈련비", weight = 3 },
    { "훈련 과정", weight = 2 }, { "연수", weight = 3 }, { "교사", weight = 3 },
    { "교원", weight = 3 }, { "학생", weight = 2 }, { "학교", weight = 2 },
    { "학과", weight = 2 }, { "대학과", weight = 0 }, { "전공", weight = 2 }, { "수업", weight = 3 },
    { "학년", weight = 3 }, { "학부모", weight = 3 }, { "입학", weight = 3 }, { "숙제", weight = 3 },
    { "졸업생", weight = 3 }, { "장학금", weight = 3 }, { "과목", weight = 2 }, { "교재", weight = 2 },
    { "강의", weight = 2 }, { "수강", weight = 2 },
    { "역량", weight = 2 }, { "스킬", weight = 2 }, { "평생교육", weight = 3 },
    { "부트캠프", weight = 3 }, { "커리큘럼", weight = 3 }, { "학위", weight = 2 },
  },
  negative = {
    -- machine "training" is not people's
    { "학습 데이터", weight = 1 }, { "훈련 데이터", weight = 1 },
  },
}

-- ---------------------------------------------------------------------------
-- The actor hook
-- ---------------------------------------------------------------------------
-- Who acts says which section a story belongs to: a parliament passing a
-- bill, a company shipping a product, researchers publishing a finding, a
-- union signing an agreement. The actor is read from the title, in this
-- order (the first that yields a phrase is used):
--   1. the phrase before the title's first comma or opening quote
--      ("연구자들, …", "오픈AI, …", "가트너 “…”", "미국 항소법원 "…"");
--   2. the title's grammatical subject: an early word carrying 이/가/은/는
--      ("엔비디아가 … 인수", "정부는 …");
--   3. a known actor as the title's first word ("IBM …", "EU …").
-- When the title gives none, the lead's first sentence is read the same way
-- (its subject), with less weight. The phrase's last word decides who acts.

-- Words (an actor phrase's last word ends with one of them), checked in this
-- order: a parliament's education committee acts as a parliament, a company's
-- research team as researchers, an education ministry for education.
local ACTOR_ENDINGS = {
  { "tech_research", { "연구진", "연구팀", "연구자", "연구자들", "과학자", "과학자들",
                       "연구소", "연구원", "연구기관", "학계", "교수", "교수진",
                       -- standards bodies publish technical work
                       "기술위원회", "표준화기구", "표준기구", "표준협회", "NIST", "ISO",
                       "IEEE" } },
  { "workforce_education", { "교육부", "교육청", "교육감", "고용노동부", "노동부", "노동청",
                             "노조", "노동계", "노동단체", "노동자", "노동자들", "근로자",
                             "근로자들", "직장인", "직장인들", "직원들", "교사", "교사들",
                             "교원", "교원단체", "학생", "학생들", "대학생", "학부모",
                             "대학", "대학들", "구직자", "구직자들", "취업자", "졸업생" } },
  { "policy_law", { "정부", "정부들", "의회", "국회", "위원회", "법원", "검찰", "경찰",
                    "당국", "집행위", "집행위원회", "평의회", "주정부", "주정부들", "상원",
                    "하원", "대통령", "총리", "장관", "주지사", "선관위", "개인정보위",
                    "공정위", "방통위", "상무부", "국무부", "법무부", "의원", "의원들",
                    "백악관", "G7", "G20", "유엔", "UN", "정상들", "행정부", "내각",
                    "감독기구", "감독기관", "규제기관", "공공기관", "정부기관", "연방기관",
                    "사법부", "재판부", "대법원", "도지사" } },
  { "company_industry", { "기업", "기업들", "스타트업", "업체", "업체들", "빅테크", "투자사",
                          "회사", "제조사", "개발사", "운영사", "통신사", "자회사", "계열사",
                          "신문사", "언론사", "방송사", "출판사", "제작사", "제작사들",
                          "음반사", "음반사들", "게임사", "게임사들", "유니콘" } },
}

-- Governments named by country or bloc ("일본, …", "EU, …"), and bodies
-- known by acronym. Latin names must be the whole word.
local GOVERNMENTS = {}
for _, w in ipairs {
  "미국", "중국", "일본", "영국", "한국", "독일", "프랑스", "인도", "캐나다", "호주",
  "대만", "싱가포르", "이탈리아", "스페인", "네덜란드", "브라질", "러시아", "이스라엘",
  "사우디", "사우디아라비아", "아랍에미리트", "베트남", "인도네시아", "스위스", "스웨덴",
  "아일랜드", "멕시코", "유럽연합", "유럽", "북한", "미", "중", "日", "美", "中",
  "EU", "EC", "UAE", "FTC", "FCC", "SEC", "DOJ", "CMA", "ICO", "CNIL", "CAC", "OSTP",
  "DHS", "FDA", "USPTO", "NTIA", "MIIT",
} do GOVERNMENTS[w] = true end

-- Suffixes of government bodies ("과기정통부", "특허청", "법제처", "금융위",
-- "캘리포니아주"), with the common words that end the same way.
local GOV_SUFFIXES = {
  { "부", { "일부", "내부", "외부", "전부", "본부", "사업부", "세부", "간부", "여부", "대부",
           "승부", "기부", "학부", "주부", "부부", "안부" } },
  { "청", { "요청", "신청", "초청", "시청" } },
  { "처", { "대처", "출처", "상처", "거처" } },
  { "위", { "상위", "하위", "순위", "범위", "지위", "단위", "우위", "학위", "직위", "본위" } },
  { "주", { "주주", "이번주", "다음주" } },
}

-- Particles a subject may carry ("연구진이", "정부는").
local PARTICLES = { "이", "가", "은", "는", "도" }
local SUBJECT = { "이", "가", "은", "는" }

-- A plain find at the one place the suffix can start: no new string, unlike
-- s:sub(-#suffix) (this runs hundreds of times per document).
local function ends_with(s, suffix)
  local at = #s - #suffix + 1
  return at >= 1 and s:find(suffix, at, true) == at
end

local function strip_particle(word)
  for _, p in ipairs(PARTICLES) do
    if #word > #p + 3 and ends_with(word, p) then return word:sub(1, -#p - 1) end
  end
  return word
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function is_latin(w)
  return w:find("^[%w%.&%-]+$") ~= nil
end

-- The texts of the company names found in the document ("휴머노이드 로봇
-- 스타트업 피규어": the phrase ends with one).
local function company_texts(doc)
  local list = {}
  local text, title = doc.text or "", doc.title or ""
  -- A file's title is its first line (hits index doc.text); a JSONL
  -- record's title is separate (title hits index doc.title).
  local title_in_text = #title > 0 and text:sub(1, #title) == title
  for _, h in ipairs(doc.hits) do
    if h.kind == "entity" and h.entity == "company" then
      local src = (h.zone == "title" and not title_in_text) and title or text
      local t = src:sub(h.start, h.stop)
      if #t > 0 then list[#list + 1] = t end
    end
  end
  return list
end

local function ends_with_any(s, list)
  for _, t in ipairs(list) do
    if ends_with(s, t) then return true end
  end
  return false
end

-- ACTOR_ENDINGS as lookup tables, built once: Latin words must be the
-- whole last word; Hangul endings may end it. Each maps to the index of its
-- group, so that the first group in ACTOR_ENDINGS still wins.
local ACTOR_WHOLE, ACTOR_ENDING = {}, {}
for gi, group in ipairs(ACTOR_ENDINGS) do
  for _, w in ipairs(group[2]) do
    local t = is_latin(w) and ACTOR_WHOLE or ACTOR_ENDING
    if not t[w] then t[w] = gi end
  end
end

-- The first group (in ACTOR_ENDINGS order) whose word ends `last`.
local function actor_group(last)
  local best = ACTOR_WHOLE[last]
  -- every suffix of `last` that starts at a character boundary
  for at in utf8.codes(last) do
    local gi = ACTOR_ENDING[last:sub(at)]
    if gi and (not best or gi < best) then best = gi end
  end
  return best and ACTOR_ENDINGS[best][1]
end

-- The category of an actor phrase, from its last word (nil: not an actor).
local function actor_category(phrase, companies, strict)
  phrase = trim(phrase)
  if phrase == "" then return nil end
  local last = strip_particle(phrase:match("([^%s]+)$") or phrase)
  if #last > 6 and ends_with(last, "들") then last = last:sub(1, -4) end
  if utf8.len(last) then
    local cat = actor_group(last)
    if cat then return cat end
  end
  if ends_with_any(phrase, companies) or ends_with_any(last, companies) then
    return "company_industry"
  end
  -- A Latin name ending in AI ("스태빌리티AI", "xAI") is a company.
  if #last > 2 and ends_with(last, "AI") then return "company_industry" end
  -- A country or a body named by its suffix acts only as a subject or a
  -- comma phrase: as a title's first word it is mostly a place ("미국 내 …").
  if strict then return nil end
  if GOVERNMENTS[last] then return "policy_law" end
  if utf8.len(last) and utf8.len(last) >= 2 then
    for _, suf in ipairs(GOV_SUFFIXES) do
      if ends_with(last, suf[1]) then
        local common = false
        for _, w in ipairs(suf[2]) do
          if ends_with(last, w) then common = true break end
        end
        if not common and (suf[1] ~= "주" or utf8.len(last) >= 3) then return "policy_law" end
      end
    end
  end
  return nil
end

-- The words of a line, at most n.
local function words(line, n)
  local list = {}
  for w in line:gmatch("%S+") do
    list[#list + 1] = w
    if #list >= n then break end
  end
  return list
end

-- 1. The phrase before the first comma or opening quote (within 64 bytes).
local QUOTES = { ",", "\"", "“", "‘", "'", "「", "『" }
local function delimited_phrase(title)
  local first
  for _, q in ipairs(QUOTES) do
    local i = title:find(q, 1, true)
    if i and (not first or i < first) then first = i end
  end
  if not first or first > 64 then return nil end
  local phrase = trim(title:sub(1, first - 1))
  if phrase == "" then return nil end
  return phrase, first
end

-- 2. The subject: the first of the early words carrying a subject particle,
-- with the words before it ("구글 딥마인드가" → "구글 딥마인드").
local function subject_phrase(line, n)
  local ws = words(line, n)
  for i, w in ipairs(ws) do
    w = w:gsub("[%p“”‘’]+$", "")
    for _, p in ipairs(SUBJECT) do
      if #w > #p + 3 and ends_with(w, p) then
        local stem = w:sub(1, -#p - 1)
        local phrase = table.concat(ws, " ", 1, i - 1)
        phrase = (phrase == "" and stem) or (phrase .. " " .. stem)
        return phrase
      end
    end
  end
  return nil
end

-- The title's actor: its category and where the rest of the title starts.
local function title_actor(title, companies)
  local phrase, cut = delimited_phrase(title)
  if phrase then
    local cat = actor_category(phrase, companies)
    if cat then return cat, title:sub(cut + 1), true end
  end
  phrase = subject_phrase(title, 4)
  if phrase then
    local cat = actor_category(phrase, companies)
    if cat then return cat, title:sub(#phrase + 1), true end
  end
  local first = (title:match("^%s*(%S+)") or ""):gsub("[%p“”‘’]+$", "")
  if first ~= "" then
    local cat = actor_category(first, companies, true)
    if cat then return cat, title:sub(#first + 1), false end
  end
  return nil
end

-- The lead's first sentence: the first line of the body that is not a
-- heading ("KEY Contents", "○ …"), without its bullet.
local function lead_sentence(doc)
  local text = doc.text or ""
  local title = doc.title or ""
  local body = text
  if #title > 0 and text:sub(1, #title) == title then body = text:sub(#title + 1) end
  local n = 0
  for line in body:gmatch("[^\n]+") do
    n = n + 1
    if n > 8 then break end
    local l = trim(line)
    if l ~= "" and not l:find("^KEY") and not l:find("^[○●◦■□▶]") then
      l = l:gsub("^[-•·*]%s*", "")
      return l:sub(1, 200)
    end
  end
  return nil
end

-- What each kind of actor typically does in a headline: an actor with its
-- own verb ("구글, … 모델 공개", "연구진, … 경고") is the story's subject.
local ACTOR_VERBS = {
  policy_law = { "통과", "가결", "의결", "추진", "시행", "합의", "서명", "발효", "부과",
                 "권고", "제정", "승인", "규제", "조사", "금지", "선고", "발의", "지침",
                 "착수", "의무화", "허가", "명령", "제재", "청문회", "입법", "통제" },
  company_industry = { "공개", "출시", "발표", "선보", "인수", "투자", "유치", "제휴",
                       "협력", "소송", "계약", "시연", "진출", "합병", "매각", "상장",
                       "공급", "전환", "개편", "실적", "매출" },
  tech_research = { "논문", "연구", "개발", "발견", "경고", "제안", "분석", "평가",
                    "입증", "규명", "측정", "요구" },
  workforce_education = { "채용", "교육", "연수", "훈련", "일자리", "임금", "양성",
                          "지원", "타결", "도입", "감원", "감축", "해고", "파업", "협약" },
}

-- How much the actor tilts the scores: a share of the best score, so that
-- it matters as much in a long article as in a short one. An actor read
-- from the lead (the title named none) counts for less.
local ACTOR_SHARE = 0.35
local ACTOR_VERB_SHARE = 0.6
local LEAD_ACTOR_SHARE = 0.2
local ACTOR_FLOOR = 4
-- When the title names its actor and the actor's own verb ("미국 FTC, 빅테크
-- … 투자·제휴 관계 조사 착수"), the title's words of other sections are
-- what the actor acts on: they count for this share only.
local OBJECT_SHARE = 0.5

-- Laws named in a story are evidence of policy, counted like keywords
-- (at most LAW_CAP mentions, weighted by zone).
local LAW_WEIGHT = 2
local LAW_CAP = 4
local ZONE_MULT = { title = 4, lead = 2, body = 1 }

local function has_any(s, words_)
  for _, w in ipairs(words_) do
    if s:find(w, 1, true) then return true end
  end
  return false
end

-- Companies named in a story are (weaker) evidence of company news.
local COMPANY_WEIGHT = 1
local COMPANY_CAP = 6

-- The zone-weighted sum of the first `cap` mentions of entities of `type`.
local function entity_evidence(doc, type, weight, cap)
  local sum, n = 0, 0
  for _, h in ipairs(doc.hits) do
    if h.kind == "entity" and h.entity == type and n < cap then
      sum = sum + weight * (ZONE_MULT[h.zone] or 1)
      n = n + 1
    end
  end
  return sum
end

function classify(doc, scores)
  scores.policy_law = (scores.policy_law or 0)
    + entity_evidence(doc, "law", LAW_WEIGHT, LAW_CAP)
  scores.company_industry = (scores.company_industry or 0)
    + entity_evidence(doc, "company", COMPANY_WEIGHT, COMPANY_CAP)
  local best = 0
  for _, s in pairs(scores) do
    if s > best then best = s end
  end
  local companies = company_texts(doc)
  local cat, rest, strong = title_actor(doc.title or "", companies)
  local share
  if cat then
    local verb = has_any(rest, ACTOR_VERBS[cat])
    share = verb and ACTOR_VERB_SHARE or ACTOR_SHARE
    if verb and strong then
      for _, h in ipairs(doc.hits) do
        if h.zone == "title" and h.category and h.category ~= cat and h.kind ~= "entity" then
          scores[h.category] = scores[h.category] - (1 - OBJECT_SHARE) * h.weight
        end
      end
    end
  else
    local lead = lead_sentence(doc)
    local phrase = lead and subject_phrase(lead, 6)
    cat = phrase and actor_category(phrase, companies)
    share = LEAD_ACTOR_SHARE
  end
  if cat then
    scores[cat] = (scores[cat] or 0) + math.max(ACTOR_FLOOR, share * best)
  end
  return nil
end

-- ---------------------------------------------------------------------------
-- Tests
-- ---------------------------------------------------------------------------
test {
  name = "a bill passes a legislature",
  text = "주의회, 딥페이크 선거 광고 금지 법안 가결\n\n주 상원은 선거 90일 전부터 조작된 후보 영상을 금지하는 법안을 가결했다. 주지사가 서명하면 시행된다.",
  label = "policy_law",
}
test {
  name = "a company's lawsuit is company news",
  text = "작가들, AI 기업에 저작권 침해 소송\n\n소설가 단체가 자사 책을 무단으로 학습했다며 AI 스타트업을 상대로 소송을 제기했다. 회사는 공정이용이라며 반박했고 투자자들은 사업 영향을 우려했다.",
  label = "company_industry",
}
test {
  name = "a product launch",
  text = "카카오, 대화형 AI 비서 출시\n\n카카오가 메신저에 붙는 AI 비서를 출시하고 월 구독 요금제를 내놨다. 회사는 연내 이용자 100만 명을 목표로 한다.",
  label = "company_industry",
}
test {
  name = "researchers studying a legal tool",
  text = "연구진, 판례 검색 AI의 오류율 측정\n\n대학 연구진이 법률 AI 도구 다섯 종의 답변을 평가한 논문을 발표했다. 실험 결과 판례 인용 오류가 17%였다.",
  label = "tech_research",
}
test {
  name = "a government's training programme is workforce news",
  text = "정부, 청년 AI 인재 1만 명 교육\n\n정부가 청년 구직자를 위한 AI 직업훈련 과정을 열고 훈련비를 지원한다. 수료생에게는 기업 채용 연계 기회를 준다.",
  label = "workforce_education",
}
test {
  name = "a study of AI answers about elections is policy",
  text = "AI 챗봇, 투표 절차 질문에 부정확한 답변\n\n시민단체가 지방선거를 앞두고 챗봇의 답변을 평가한 결과 유권자에게 잘못된 투표 장소를 안내한 사례가 많았다. 선관위는 대책을 마련하기로 했다.",
  label = "policy_law",
}
test {
  name = "jobs and wages",
  text = "AI 직군 채용 공고 40% 증가\n\n올해 AI 관련 일자리 채용 공고가 크게 늘었고 평균 연봉도 올랐다. 기업들은 경력직 인재 확보에 나섰다.",
  label = "workforce_education",
}
test {
  name = "sources do not vote",
  text = "대학 연구팀, 새 압축 기법 논문 발표\n\n연구팀은 모델 크기를 절반으로 줄이는 기법을 제안하고 벤치마크로 검증했다.\n\n출처: TechCrunch, OpenAI launches new product with Microsoft investment, 2024.03.01.",
  label = "tech_research",
  absent = { company = { "OpenAI", "Microsoft" } },
}
test {
  name = "a regulator acting on companies: the companies are the object",
  text = "영국 CMA, 빅테크의 AI 스타트업 지분 투자 조사 착수\n\n영국 경쟁시장청(CMA)이 대형 기술 기업들의 AI 스타트업 지분 투자와 클라우드 계약이 경쟁을 제한하는지 조사에 착수했다. 기업들은 45일 안에 계약서를 제출해야 한다.",
  label = "policy_law",
}
test {
  name = "a country as the comma actor",
  text = "대만, AI 반도체 기술 유출 막는 수출 허가제 도입\n\n대만이 첨단 AI 칩 제조 기술을 해외로 이전할 때 당국의 허가를 받도록 했다. 반도체 업체들은 해외 공장 계획을 다시 검토하고 있다.",
  label = "policy_law",
}
test {
  name = "a country as the title's first word is a place, not an actor",
  text = "미국 AI 스타트업 투자 1분기 사상 최대\n\n1분기 미국 AI 스타트업이 유치한 투자금이 사상 최대를 기록했다. 대형 투자 유치가 잇따르며 기업가치도 크게 올랐다.",
  label = "company_industry",
}
test {
  name = "the title's subject without a comma",
  text = "방송작가 노조가 AI 대본 도구 도입에 반대하며 파업 돌입\n\n노조원들은 제작사가 AI로 대본 초안을 만들면서 작가 고용을 줄이고 있다고 주장했다.",
  label = "workforce_education",
}
test {
  name = "an actor before a quote",
  text = "연구진 \"대형 언어모델, 긴 대화에서 앞서 한 약속 잊는다\"\n\n대학 연구진이 모델 10종을 실험한 결과 대화가 길어질수록 앞선 지시를 어기는 비율이 높아졌다.",
  label = "tech_research",
}
test {
  name = "개발의 is no 발의, 제출하 is no 출하, 대학과 is no 학과",
  text = "연구팀, 소형 모델 개발의 새 학습 기법 제안\n\n대학과 기업 연구팀이 학회에 논문을 제출하고 실험 결과를 공개했다. 모델 개발의 비용을 절반으로 줄였다.",
  label = "tech_research",
}
