"""Python values to C and back: every argument is checked here before it
reaches the library."""

import collections.abc
import ctypes
import datetime
import math
import operator
import os

from ._errors import RELEASE_EINVAL, RELEASE_EUNSUPPORTED, _error

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_INT64_MAX = 2 ** 63 - 1


def _dec(raw):
    """A C string (bytes from a c_char_p, already copied) as str; None stays."""
    return None if raw is None else raw.decode("utf-8", "surrogateescape")


def _enc(value, what):
    """A str as a NUL-terminated UTF-8 C string.

    Only str: the library's strings are UTF-8 text, which bytes need not be.
    A lone surrogate (such as os.fsdecode makes of an undecodable byte) has
    no UTF-8 form and is refused rather than stored as invalid UTF-8.
    """
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise _error(RELEASE_EINVAL, "%s contains a NUL character" % what)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _error(RELEASE_EINVAL, "%s is not valid Unicode: lone surrogate %s at index %d"
                     % (what, ascii(value[e.start]), e.start)) from None


def _enc_opt(value, what):
    """As _enc, with None as NULL (the library's default)."""
    return None if value is None else _enc(value, what)


def _enc_uri(uri):
    """A store URI (str or bytes; a "file:" path is a file name, which may
    be any bytes, so str is encoded as os.fsencode does)."""
    if isinstance(uri, str):
        uri = os.fsencode(uri)
    elif not isinstance(uri, bytes):
        raise TypeError("uri must be str, bytes or os.PathLike, not %s" % type(uri).__name__)
    if b"\0" in uri:
        raise _error(RELEASE_EINVAL, "uri contains a NUL character")
    return uri


# Ranges of the C integer types. ctypes converts an int out of range by
# wrapping it silently (2**64 + 1 becomes 1), so every int is checked here.
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1
_U64_MAX = (1 << 64) - 1
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1
_INT_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_int) - 1)) - 1
_INT_MIN = -_INT_MAX - 1


def _shown(n):
    """An int for a message: its digits, or its size when it is huge."""
    return str(n) if n.bit_length() <= 128 else "a %d-bit number" % n.bit_length()


def _integer(value, what, lo, hi):
    """value as an int in [lo, hi] for a C integer. Anything with
    __index__ is an int; bool is not (True is no count, version or status)."""
    if isinstance(value, bool):
        raise TypeError("%s must be an int, not bool" % what)
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an int, not %s" % (what, type(value).__name__)) from None
    if not lo <= value <= hi:
        raise _error(RELEASE_EINVAL, "%s must be from %d to %d, not %s"
                     % (what, lo, hi, _shown(value)))
    return value


def _quoted(text):
    """A str for a message: quoted, escaped, and cut short when long."""
    return ascii(text) if len(text) <= 64 else ascii(text[:64]) + "..."


def _flag(value, what):
    """A yes/no option: only a bool, so that force="no" does not force."""
    if not isinstance(value, bool):
        raise TypeError("%s must be True or False, not %s" % (what, type(value).__name__))
    return value


def _callable(fn, what):
    if not callable(fn):
        raise TypeError("%s must be callable, not %s" % (what, type(fn).__name__))
    return fn


def _to_datetime(ns):
    return _EPOCH + datetime.timedelta(microseconds=ns // 1000)


def _maybe_datetime(ns):
    return None if ns == 0 else _to_datetime(ns)


def _to_ns(value, what):
    """A datetime (aware) or a number of nanoseconds as int nanoseconds."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("%s must be a timezone-aware datetime" % what)
        value = (value - _EPOCH) // datetime.timedelta(microseconds=1) * 1000
    elif isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be int nanoseconds or a datetime, not %s"
                        % (what, type(value).__name__))
    return _integer(value, what, _I64_MIN, _I64_MAX)


def _seconds_to_ns(value, what, lo):
    """Seconds (an int, a finite float or a timedelta) as int nanoseconds,
    at least lo and within int64_t."""
    if isinstance(value, datetime.timedelta):
        ns = value // datetime.timedelta(microseconds=1) * 1000
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _error(RELEASE_EINVAL, "%s must be a finite number of seconds" % what)
        scaled = value * 1e9
        ns = round(scaled) if math.isfinite(scaled) else _I64_MAX + 1
    elif isinstance(value, bool):
        raise TypeError("%s must be seconds or a timedelta, not bool" % what)
    else:
        try:
            ns = operator.index(value) * 10**9
        except TypeError:
            raise TypeError("%s must be seconds or a timedelta, not %s"
                            % (what, type(value).__name__)) from None
    if not lo <= ns <= _I64_MAX:
        raise _error(RELEASE_EINVAL, "%s must be %s and at most %d.%09d seconds"
                     % (what, "positive" if lo > 0 else "zero or more",
                        _I64_MAX // 10**9, _I64_MAX % 10**9))
    return ns


def _new_opts(struct, init):
    """An options struct filled by its _init_sized function, told our size.

    The library writes defaults only into the bytes we say we have and
    records the smaller of the two sizes, so it reads only the fields this
    module knows.
    """
    opts = struct()
    init(ctypes.byref(opts), ctypes.sizeof(struct))
    if opts.size == 0 or opts.size > ctypes.sizeof(struct):
        raise _error(RELEASE_EUNSUPPORTED, "%s_init set an unexpected size %d"
                     % (struct.__name__, opts.size))
    return opts


def _covers(opts, name):
    """True if the size the library recorded in opts reaches past its field
    name: a library older than the field records a size that ends before it
    and would never read it."""
    f = getattr(type(opts), name)
    return opts.size >= f.offset + f.size


def _bytes(value, what):
    """A bytes-like value (bytes, bytearray, memoryview...) as bytes. Not a
    str, which has no single byte form, nor an int, which bytes() would
    take as a length."""
    if isinstance(value, str):
        raise TypeError("%s must be bytes-like, not str (encode it first)" % what)
    try:
        return memoryview(value).tobytes()
    except TypeError:
        raise TypeError("%s must be bytes-like, not %s" % (what, type(value).__name__)) from None


def _str_array(items, what):
    """Encoded strings as a C array of char * and its length (an array of
    one NULL for none: never a NULL pointer with n 0 that C must trust)."""
    encoded = [_enc(s, what) for s in items]
    return (ctypes.c_char_p * max(len(encoded), 1))(*encoded), len(encoded)


BUILD_STATUSES = ("created", "running", "complete", "failed")


def _build_status(value):
    if isinstance(value, str):
        try:
            return BUILD_STATUSES.index(value)
        except ValueError:
            raise _error(RELEASE_EINVAL, "unknown build status %s (want one of %s)"
                         % (_quoted(value), ", ".join(BUILD_STATUSES))) from None
    return _integer(value, "build status", _INT_MIN, _INT_MAX)



def _limit(limit):
    """None (no limit) or a count; 0 would mean no limit to the library."""
    return 0 if limit is None else _integer(limit, "limit", 1, _SIZE_MAX)


def _strings(items, what, want):
    """One str, or an iterable of them, as a list (items are checked by _enc)."""
    if isinstance(items, str):
        return [items]
    if isinstance(items, (bytes, bytearray)) or not isinstance(items, collections.abc.Iterable):
        raise TypeError("%s must be %s, not %s" % (what, want, type(items).__name__))
    return list(items)


def _env_pair(key, value):
    """A mapping's item as "KEY=VALUE". The library judges the key, but an
    '=' in it would move the split silently, so it is refused here; None is
    no value (env_unset removes a key)."""
    if not isinstance(key, str):
        raise TypeError("env key must be str, not %s" % type(key).__name__)
    if not isinstance(value, str):
        raise TypeError("env value of %s must be str, not %s%s"
                        % (_quoted(key), type(value).__name__,
                           " (env_unset removes a key)" if value is None else ""))
    if "=" in key:
        raise _error(RELEASE_EINVAL, "env key %s contains '='" % _quoted(key))
    _enc(key, "env key")
    _enc(value, "env value of %s" % _quoted(key))
    return key + "=" + value

