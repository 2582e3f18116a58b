#!/usr/bin/env python3
"""Each public header compiles alone, strictly, as C99 or as C++.

A program may include any one header first and alone, from C99 or C++
(no C11-only constructs, no missing includes). Each header gets a
translation unit of its own that includes it twice, so a broken include
guard shows too (C99 forbids repeated typedefs). In C++ the unit then
redeclares every RELEASE_API name with C linkage, which is an error unless
the header already gave it C linkage (a missing extern "C" would make C++
programs look for mangled names).

usage: check_headers.py --lang c|c++ --include DIR --workdir DIR -- COMPILER...
       check_headers.py --skip REASON      (exit 77: meson's "skipped")
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import public_api  # noqa: E402

FLAGS = {
    'c': ['-std=c99', '-pedantic', '-Wall', '-Wextra', '-Werror', '-Wstrict-prototypes'],
    'c++': ['-std=c++11', '-pedantic', '-Wall', '-Wextra', '-Werror'],
}


def translation_unit(lang, header):
    name = os.path.basename(header)
    text = '#include <librelease/%s>\n' % name * 2
    if lang == 'c++':
        text += 'extern "C" {\n'
        for decl in public_api.declared_names(header):
            text += 'extern decltype(%s) %s;\n' % (decl, decl)
        text += '}\n'
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lang', choices=sorted(FLAGS))
    ap.add_argument('--include')
    ap.add_argument('--workdir')
    ap.add_argument('--skip')
    ap.add_argument('compiler', nargs='*')
    args = ap.parse_args()
    if args.skip:
        print('SKIP: ' + args.skip)
        return 77

    headers = public_api.headers(os.path.join(args.include, 'librelease'))
    if not headers:
        print('FAIL: no headers in %s/librelease' % args.include)
        return 1
    os.makedirs(args.workdir, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for header in headers:
            name = os.path.basename(header)
            src = os.path.join(tmp, name[:-2] + ('.c' if args.lang == 'c' else '.cpp'))
            with open(src, 'w', encoding='utf-8') as f:
                f.write(translation_unit(args.lang, header))
            cmd = args.compiler + FLAGS[args.lang] + [
                '-I', args.include, '-c', src, '-o', os.path.join(tmp, name + '.o')]
            res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True)
            print('$ ' + ' '.join(cmd))
            if res.stdout:
                print(res.stdout, end='')
            if res.returncode != 0:
                print('FAIL: %s does not compile alone as %s' % (name, args.lang))
                failed += 1
            else:
                print('ok: %s' % name)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
