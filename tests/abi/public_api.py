"""What the public headers declare, read with a few regular expressions.

Good enough for our own headers: one RELEASE_API declaration per statement,
no function-pointer-returning functions.
"""
import glob
import os
import re


def strip_c_comments(text):
    return re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)


def headers(include_dir):
    """The public headers: include_dir/*.h, sorted."""
    return sorted(glob.glob(os.path.join(include_dir, '*.h')))


def declared_names(header):
    """Names declared with RELEASE_API in one header, in order."""
    with open(header, encoding='utf-8') as f:
        text = strip_c_comments(f.read())
    # Drop preprocessor lines (with continuations), such as the
    # "#define RELEASE_API ..." itself.
    text = re.sub(r'^\s*#(?:[^\n]*\\\n)*[^\n]*', ' ', text, flags=re.M)
    names = []
    for decl in re.findall(r'\bRELEASE_API\b([^;{]*)', text):
        head = decl.split('(', 1)[0] if '(' in decl else re.sub(r'\[.*', '', decl)
        idents = re.findall(r'[A-Za-z_]\w*', head)
        if idents:
            names.append(idents[-1])
    return names
