#!/usr/bin/env python3
"""Stage the benchmark workload for bunryu, rg and yara from ../shared/bench.

usage: gen_workload.py SHARED_BENCH COMPANIES_TSV OUT_DIR

SHARED_BENCH holds terms.tsv (category<TAB>term) and law_patterns.txt (one
PCRE2 a line); COMPANIES_TSV is canonical<TAB>alias ('#' comments). Writes:

  OUT_DIR/rules/bench.lua       copy of tests/bench/bench.lua
  OUT_DIR/rules/terms.lua       { order = {...}, [category] = {terms...} }
  OUT_DIR/rules/laws.lua        { regex... }
  OUT_DIR/rules/companies.tsv   COMPANIES_TSV, first mapping of each alias
  OUT_DIR/literals.txt          every term and alias, one a line (rg -F -f)
  OUT_DIR/rules.yar             the same work for yara (see below)

YARA cannot take the law regexes as they are: it matches bytes, has no
\\p{Hangul}, no lookaround and no (?:...). yara_regex below translates them
into byte-level approximations, from the file as it is (a construct it does
not know stops the staging with its name); the approximation is documented
in BENCHMARKS.md. Everything here is generated at run time into
the build folder and never committed."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# law_patterns.txt as YARA regexes, translated when the workload is staged.
# Multi-byte characters are written as their UTF-8 bytes; a Hangul
# syllable (U+AC00..U+D7A3) is approximated as [\xea-\xed][\x80-\xbf]{2};
# a negated class loses its multi-byte members and its count is taken as
# bytes, three a character ("[^」\n]{1,40}" becomes "[^\n]{1,120}");
# (?:...) becomes (...); lookarounds are dropped.
def _b(s):
    return "".join("\\x%02x" % c if c >= 0x80 else chr(c) for c in s.encode())

HANGUL = r"[\xea-\xed][\x80-\xbf][\x80-\xbf]"


def _yara_class(body):
    """A [...] body as YARA text, and the bytes that stand for a character
    in a count after it (1, or 3 for a negated class)."""
    neg = body.startswith("^")
    if neg:
        body = body[1:]
    alts, ascii_at, i = [], None, 0  # ASCII members merge into one [...]
    while i < len(body):
        if body.startswith(r"\p{Hangul}", i):
            member, i = HANGUL, i + len(r"\p{Hangul}")
        elif body.startswith(r"\p", i):
            raise ValueError("no YARA form for %s in [%s]" % (body[i:i + 4], body))
        elif ord(body[i]) >= 0x80:
            if body[i + 1:i + 2] == "-" and i + 2 < len(body):
                raise ValueError("no YARA form for the range in [%s]" % body)
            member, i = _b(body[i]), i + 1
        else:
            n = 2 if body[i] == "\\" else 1
            if ascii_at is None:
                ascii_at = len(alts)
                alts.append("")
            alts[ascii_at] += body[i:i + n]
            i += n
            continue
        if not neg:
            alts.append(member)
    if ascii_at is not None:
        alts[ascii_at] = "[" + ("^" if neg else "") + alts[ascii_at] + "]"
    if neg:
        return alts[ascii_at] if ascii_at is not None else ".", 3
    return (alts[0] if len(alts) == 1 else "(" + "|".join(alts) + ")"), 1


def _group_end(p, i):
    """The index of the ')' closing the group that opens at p[i]."""
    depth = 0
    while True:
        if p[i] == "\\":
            i += 2
            continue
        if p[i] == "[":
            i = p.index("]", i + 2) + 1
            continue
        depth += {"(": 1, ")": -1}.get(p[i], 0)
        if depth == 0:
            return i
        i += 1


def yara_regex(p):
    """A PCRE2 law pattern as a YARA byte regex (see above); ValueError for
    what has no YARA form here."""
    out, i, scale = [], 0, 1
    while i < len(p):
        c = p[i]
        if p.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            i = _group_end(p, i) + 1
            continue
        if p.startswith("(?:", i):
            out.append("(")
            i += 3
        elif p.startswith("(?", i):
            raise ValueError("no YARA form for %s" % p[i:i + 4])
        elif c == "[":
            j = i + 2 if p[i + 1] == "]" else i + 1
            while p[j] != "]":
                j += 2 if p[j] == "\\" else 1
            text, scale = _yara_class(p[i + 1:j])
            out.append(text)
            i = j + 1
            continue
        elif c == "{" and scale != 1:
            lo, _, hi = p[i + 1:p.index("}", i)].partition(",")
            out.append("{%d,%d}" % (int(lo), int(hi) * scale))
            i = p.index("}", i) + 1
        elif c == "\\":
            out.append(p[i:i + 2])
            i += 2
        elif ord(c) >= 0x80:
            quantified = i + 1 < len(p) and p[i + 1] in "?*+{"
            out.append("(" + _b(c) + ")" if quantified else _b(c))
            i += 1
        else:
            out.append(c)
            i += 1
        scale = 1
    return "".join(out)


YARA_MAX_STRINGS = 5000  # below YARA's per-rule limit (10,000)


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            a, _, b = line.partition("\t")
            if b:
                rows.append((a, b))
    return rows


def lua_str(s):
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + out + '"'


def lua_long(s):
    level = 0
    while ("]" + "=" * level + "]") in s:
        level += 1
    eq = "=" * level
    return "[" + eq + "[" + s + "]" + eq + "]"


def yara_text(s):
    out = []
    for c in s.encode():
        if c == 0x22 or c == 0x5C:
            out.append("\\" + chr(c))
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return '"' + "".join(out) + '"'


def ident(s):
    return "".join(c if c.isalnum() or c == "_" else "_" for c in s)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    shared, companies, out = sys.argv[1:]
    rules = os.path.join(out, "rules")
    os.makedirs(rules, exist_ok=True)

    terms = read_tsv(os.path.join(shared, "terms.tsv"))
    order, by_cat = [], {}
    for cat, term in terms:
        if cat not in by_cat:
            order.append(cat)
            by_cat[cat] = []
        by_cat[cat].append(term)
    with open(os.path.join(shared, "law_patterns.txt"), encoding="utf-8") as f:
        laws = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    aliases = read_tsv(companies)

    shutil.copyfile(os.path.join(HERE, "bench.lua"), os.path.join(rules, "bench.lua"))
    # The engine refuses an alias mapped to two canonical names (the
    # synthetic names of make_companies.py collide now and then): keep the
    # first mapping of each alias, as a dictionary author would have to.
    kept, seen_alias, dropped = [], set(), 0
    for canon, alias in aliases:
        if alias in seen_alias:
            dropped += 1
            continue
        seen_alias.add(alias)
        kept.append((canon, alias))
    with open(os.path.join(rules, "companies.tsv"), "w", encoding="utf-8") as f:
        f.write("# generated by tests/bench/gen_workload.py: first mapping of each alias\n")
        f.write("".join("%s\t%s\n" % row for row in kept))
    with open(os.path.join(rules, "terms.lua"), "w", encoding="utf-8") as f:
        f.write("-- generated by tests/bench/gen_workload.py from terms.tsv\n")
        f.write("return {\n  order = { %s },\n" % ", ".join(lua_str(c) for c in order))
        for cat in order:
            f.write("  [%s] = { %s },\n" % (lua_str(cat), ", ".join(lua_str(t) for t in by_cat[cat])))
        f.write("}\n")
    with open(os.path.join(rules, "laws.lua"), "w", encoding="utf-8") as f:
        f.write("-- generated by tests/bench/gen_workload.py from law_patterns.txt\n")
        f.write("return {\n%s}\n" % "".join("  %s,\n" % lua_long(p) for p in laws))

    literals = []
    seen = set()
    for s in [t for _, t in terms] + [a for _, a in aliases]:
        if s not in seen:
            seen.add(s)
            literals.append(s)
    with open(os.path.join(out, "literals.txt"), "w", encoding="utf-8") as f:
        f.write("".join(s + "\n" for s in literals))

    with open(os.path.join(out, "rules.yar"), "w", encoding="utf-8") as f:
        f.write("// generated by tests/bench/gen_workload.py: the bunryu benchmark workload\n\n")
        for cat in order:
            f.write("rule cat_%s {\n  strings:\n" % ident(cat))
            for i, t in enumerate(by_cat[cat]):
                f.write("    $k%d = %s\n" % (i, yara_text(t)))
            f.write("  condition:\n    any of them\n}\n\n")
        uniq = sorted({a for _, a in aliases})
        for part in range(0, len(uniq), YARA_MAX_STRINGS):
            f.write("rule company_%d {\n  strings:\n" % (part // YARA_MAX_STRINGS))
            for i, a in enumerate(uniq[part:part + YARA_MAX_STRINGS]):
                f.write("    $a%d = %s\n" % (i, yara_text(a)))
            f.write("  condition:\n    any of them\n}\n\n")
        f.write("rule law {\n  strings:\n")
        for i, r in enumerate(laws):
            f.write("    $r%d = /%s/\n" % (i, yara_regex(r)))
        f.write("  condition:\n    any of them\n}\n")
    print("workload: %d categories, %d terms, %d alias rows (%d distinct aliases, %d repeats "
          "dropped), %d law regexes, %d literals for rg"
          % (len(order), len(terms), len(aliases), len(kept), dropped, len(laws), len(literals)))


if __name__ == "__main__":
    main()
