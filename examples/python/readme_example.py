"""Runs the README's Python example: the first ```python block of the file
named on the command line, so the code a reader copies is the code tested."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
block = re.search(r"^```python\n(.*?)^```", text, re.S | re.M)
if not block:
    sys.exit("no ```python block in %s" % sys.argv[1])
exec(compile(block.group(1), sys.argv[1] + " (python block)", "exec"), {"__name__": "__main__"})
