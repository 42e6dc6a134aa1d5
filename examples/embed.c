/*
** embed.c — bunryu from C, without Lua: build rules through the API,
** classify one document, print its JSON record. With a path argument it
** loads Lua rules from that file or folder instead.
**
**   cc embed.c $(pkg-config --cflags --libs bunryu) -o embed
*/
#include <stdio.h>
#include <string.h>

#include <bunryu.h>

static bunryu_engine *build_inline_rules(void) {
  bunryu_builder *b = bunryu_builder_new();
  if (!b) return NULL;
  int policy = bunryu_builder_add_category(b, "policy_law", "정책/법제");
  int company = bunryu_builder_add_category(b, "company_industry", "기업/산업");
  bunryu_builder_set_zone_weight(b, policy, BUNRYU_ZONE_TITLE, 3.0);
  bunryu_builder_add_keyword(b, policy, "법안", 2.0, 0, 0);
  bunryu_builder_add_keyword(b, policy, "국회", 1.0, 0, BUNRYU_LIT_WORD);
  bunryu_builder_add_keyword(b, company, "출시", 1.0, 0, 0);
  int firm = bunryu_builder_add_entity_type(b, "company", 0);
  bunryu_builder_add_alias(b, firm, "OpenAI", "오픈AI", BUNRYU_LIT_WORD);
  bunryu_builder_add_alias(b, firm, "OpenAI", "openai", BUNRYU_LIT_CASELESS);
  bunryu_engine *e = NULL;
  if (bunryu_builder_build(b, &e) != BUNRYU_OK)
    fprintf(stderr, "embed: %s\n", bunryu_builder_error(b));
  bunryu_builder_free(b);
  return e;
}

int main(int argc, char **argv) {
  char err[512];
  bunryu_engine *e = NULL;
  if (argc > 1 && bunryu_engine_load(argv[1], &e, err, sizeof err) != BUNRYU_OK) {
    fprintf(stderr, "embed: %s\n", err);
    return 1;
  }
  if (argc <= 1) e = build_inline_rules();
  if (!e) return 1;
  bunryu_scanner *s = bunryu_scanner_new(e, err, sizeof err);
  bunryu_engine_free(e); /* the scanner keeps the engine alive */
  if (!s) {
    fprintf(stderr, "embed: %s\n", err);
    return 1;
  }
  const char *doc = "국회, AI 법안 처리\n\n오픈AI는 국회의 법안 논의를 지켜보고 있다. ＯｐｅｎＡＩ 측은 논평하지 않았다.";
  const bunryu_result *r;
  bunryu_scan(s, doc, strlen(doc), 0, &r);
  puts(bunryu_result_json(r, "demo", NULL, BUNRYU_JSON_NO_TIMING, NULL));
  int status = bunryu_result_label(r) ? 0 : 1;
  bunryu_scanner_free(s); /* frees r too */
  return status;
}
