-- entity: inline aliases, a dictionary file, patterns, priorities.
category "company_industry" {
  keywords = { "투자", "인수" },
}

entity "company" {
  priority = 10,
  word = true,
  dictionary = "dict/companies.tsv",
  aliases = {
    ["오픈AI"] = { "오픈AI", "OpenAI", { "openai", caseless = true } },
    ["메타"] = "메타",
  },
}

entity "law" {
  priority = 5,
  patterns = { [[「(?<name>[^」]{1,40})」]] },
  aliases = { ["인공지능기본법"] = { "AI 기본법" } },
}

test { name = "inline and dictionary aliases",
       text = "소식\n오픈AI와 한빛전자가 손잡고 투자를 늘린다.",
       label = "company_industry",
       entities = { company = { "오픈AI", "한빛전자" } } }
test { name = "caseless alias", text = "소식\nOPENAI 발표",
       entities = { company = { "오픈AI" } } }
test { name = "caseless alias in mixed case", text = "소식\nOpenai 발표",
       entities = { company = { "오픈AI" } } }
test { name = "exact-case alias", text = "소식\n오픈ai 발표",
       absent = { company = { "오픈AI" } } }
test { name = "dictionary alias", text = "소식\nHanbit Electronics 실적",
       entities = { company = { "한빛전자" } } }
test { name = "one-column dictionary line", text = "소식\n누리소프트는 인수를 검토",
       entities = { company = { "누리소프트" } } }
test { name = "word: not inside a longer word", text = "소식\n메타버스 산업",
       absent = { company = { "메타" } } }
test { name = "word: particles may follow", text = "소식\n메타는 새 모델을",
       entities = { company = { "메타" } } }
test { name = "pattern entity with a name group",
       text = "소식\n「데이터 보호법」 개정안", entities = { law = { "데이터 보호법" } } }
test { name = "pattern match mapped through an alias",
       text = "소식\n「AI 기본법」 시행", entities = { law = { "인공지능기본법" } } }
