/*
** limits.h — every limit of the library, in one place, with its default.
** Each can be changed per builder with bunryu_builder_set_limit(); the
** engine copies them when it is built.
*/
#ifndef BUNRYU_LIMITS_H
#define BUNRYU_LIMITS_H

/* Largest document accepted: 64 MiB. Larger ones fail with BUNRYU_ETOOBIG
   rather than being truncated. */
#define LIMIT_INPUT_BYTES_DEFAULT (64u * 1024u * 1024u)

/* PCRE2 match limit (backtracking steps per match attempt). PCRE2's own
   default is 10,000,000, which a catastrophic pattern turns into seconds
   per document; 1,000,000 stops it in a few milliseconds and is far above
   what the patterns of a rule pack need. */
#define LIMIT_REGEX_MATCH_DEFAULT 1000000u
/* PCRE2 depth limit (nested backtracking frames) and heap limit in KiB
   for the interpreter's backtracking frames. PCRE2 applies these two only
   when a pattern runs interpreted (JIT unavailable, or (*NO_JIT)); JIT code
   is bounded by the match limit above and by its stack (core/regex.c,
   512 KiB), and running out of either is BUNRYU_ELIMIT too. */
#define LIMIT_REGEX_DEPTH_DEFAULT 10000u
#define LIMIT_REGEX_HEAP_KB_DEFAULT (20u * 1024u)

/* Hits kept per document (keywords, patterns, entities and regex triggers
   together), about 100 bytes each. A news article has hundreds; a 50 MB
   dump of keywords could have millions. Hits past the limit fail the
   document with BUNRYU_ELIMIT instead of being silently dropped. */
#define LIMIT_HITS_DEFAULT 1000000u

/* Lua instructions per hook call, and while loading one rule file. */
#define LIMIT_LUA_INSTRUCTIONS_DEFAULT 10000000u
#define LIMIT_LOAD_INSTRUCTIONS_DEFAULT 50000000u
/* Bytes one Lua state may hold (loader or scanner). */
#define LIMIT_LUA_MEMORY_DEFAULT (64u * 1024u * 1024u)
/* How deep rule files may require one another. */
#define LIMIT_REQUIRE_DEPTH_DEFAULT 16u

/* How much of the body, in bytes, counts as its lead: the lines up to and
   including the one that crosses this many bytes. */
#define LIMIT_LEAD_BYTES_DEFAULT 400u

#endif
