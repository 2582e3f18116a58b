#!/usr/bin/env python3
"""Checks that the README's first ```c block is examples/example.c, byte for byte.

Usage: check-readme-example.py README.md examples/example.c

The README shows the example that the build compiles and runs, so the code a
reader copies is known to work.
"""
import difflib
import re
import sys


def first_c_block(text):
    m = re.search(r"^```c[ \t]*\n(.*?)^```[ \t]*$", text, re.M | re.S)
    return m.group(1) if m else None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    readme_path, example_path = sys.argv[1], sys.argv[2]
    try:
        with open(readme_path, encoding="utf-8", newline="") as f:
            readme = f.read()
    except OSError as e:
        print("%s: %s" % (readme_path, e.strerror), file=sys.stderr)
        return 1
    with open(example_path, encoding="utf-8", newline="") as f:
        example = f.read()
    block = first_c_block(readme)
    if block is None:
        print("%s has no ```c block; paste %s into one" % (readme_path, example_path),
              file=sys.stderr)
        return 1
    if block != example:
        sys.stderr.writelines(difflib.unified_diff(
            example.splitlines(True), block.splitlines(True),
            example_path, readme_path + " (first ```c block)"))
        print("the README's first ```c block differs from %s" % example_path,
              file=sys.stderr)
        return 1
    print("%s shows %s as it is" % (readme_path, example_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
