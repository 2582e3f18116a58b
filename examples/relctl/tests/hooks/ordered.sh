#!/bin/sh
# A test hook: numbered lines on stdout and stderr, interleaved, a blank line,
# a carriage return, and a last line without a newline.
echo "1 out"
echo "2 err" >&2
echo
echo "3 out"
printf '4 crlf\r\n'
echo "5 err" >&2
printf '6 no newline'
