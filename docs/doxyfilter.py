#!/usr/bin/env python3
"""Doxygen input filter for blehost's public headers (docs/Doxyfile.in).

The headers document the API in plain C comments, as docs/conventions.md
asks ("public API documented in its header"). This turns those comments
into Doxygen's without changing the headers:
  - the comment at the top of the file becomes the file's description;
  - a comment on its own line(s) documents what follows it;
  - a comment after code on the same line documents that member;
  - section rulers ("/* ---- Scanning ---- */") stay plain comments.
Text inside comments is escaped where Doxygen would read markup (<...>,
backslashes, @, #, %), so the comments are shown as written.
Usage: doxyfilter.py FILE (writes the filtered file to stdout)."""
import re
import sys


def escape(text):
    # Doxygen reads <x> as HTML, \x and @x as commands, #x and %x as links.
    text = text.replace("\\", "\\\\").replace("@", "\\@")
    text = text.replace("<", "\\<").replace(">", "\\>")
    text = re.sub(r"(?<![\w\\])([#%])", r"\\\1", text)
    text = text.replace("&", "\\&")
    return text


def main(path):
    src = open(path, encoding="utf-8").read()
    out = []
    i = 0
    first = True
    n = len(src)
    while i < n:
        j = src.find("/*", i)
        if j < 0:
            out.append(src[i:])
            break
        k = src.find("*/", j + 2)
        if k < 0:
            out.append(src[i:])
            break
        out.append(src[i:j])
        body = src[j + 2:k]
        line_start = src.rfind("\n", 0, j) + 1
        before = src[line_start:j]
        ruler = re.match(r"\s*[-=]{3,}", body) is not None
        if ruler:
            out.append("/*" + body + "*/")
        elif first and not before.strip():
            out.append("/** @file\n" + escape(body) + "*/")
        elif before.strip():
            out.append("/**<" + escape(body) + "*/")
        else:
            out.append("/**" + escape(body) + "*/")
        first = False
        i = k + 2
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
