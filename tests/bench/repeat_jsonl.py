#!/usr/bin/env python3
"""Write a JSONL stream of about MB megabytes to stdout by repeating FILE with new ids.

usage: repeat_jsonl.py FILE --mb 1000

Each pass over FILE gives every record a fresh id ("r<pass>-<old id>"), so that
a consumer sees distinct documents; nothing is stored on disk. Lines must start
with {"id": "...", as make_corpus.py writes them."""
import argparse
import sys

PREFIX = b'{"id": "'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--mb", type=float, default=1000)
    a = ap.parse_args()
    with open(a.file, "rb") as f:
        lines = [l for l in f if l.strip()]
    if not lines or not all(l.startswith(PREFIX) for l in lines):
        sys.exit("repeat_jsonl: %s: lines must start with %r" % (a.file, PREFIX.decode()))
    budget, n = int(a.mb * 1e6), 0
    out = sys.stdout.buffer
    try:
        while budget > 0:
            tag = PREFIX + b"r%d-" % n
            chunk = b"".join(tag + l[len(PREFIX):] for l in lines)
            if len(chunk) > budget:  # the last pass: whole lines up to the budget
                out.write(chunk[:chunk.rfind(b"\n", 0, budget) + 1])
                break
            out.write(chunk)
            budget -= len(chunk)
            n += 1
        out.flush()
    except BrokenPipeError:
        sys.exit(1)


if __name__ == "__main__":
    main()
