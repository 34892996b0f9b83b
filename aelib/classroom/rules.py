"""The small rules a class lives by: class codes (short, typed by students, no look-alike characters), teacher keys
(secret, stored as a SHA-256 hash, compared in constant time), display names (plain text, cleaned and length-limited),
how long a class stays open (AELAB_CLASS_DAYS) and the links a teacher hands out (AELAB_PUBLIC_URL)."""
from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping
from urllib.parse import urlencode

from aelib.i18n import DEFAULT, Explained

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: a code read off a projector is typed right
CODE_LENGTH = 6  # 31**6, about 900 million codes
NAME_LENGTH = 40  # characters of a display name
CLASS_NAME_LENGTH = 80
CLASS_DAYS = 14.0  # a class closes by itself this long after it was created
MAX_DAYS = 365.0
ENTRIES_PER_MINUTE = 6  # a student's posts to one class in any 60 seconds
PUBLIC_URL = "http://localhost:8501"
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """A random class code such as K7QP3M (uniqueness is the database's to check)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def parse_code(text: object) -> str | None:
    """The class code in untrusted text (" k7qp-3m " -> "K7QP3M"), or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 32:
        return None
    code = re.sub(r"[\s-]", "", text).upper()
    return code if _CODE.fullmatch(code) else None


def new_teacher_key() -> str:
    """A teacher key: 192 random bits, URL-safe, shown once and stored only as key_hash(key). Never starting with
    "-", which a command line (`--teacher-key KEY`) would read as an option (one key in 64 did)."""
    while True:
        key = secrets.token_urlsafe(24)
        if not key.startswith("-"):
            return key


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_matches(given: object, stored_hash: str) -> bool:
    """Whether given is the key whose hash is stored; the hashes are compared in constant time."""
    if not isinstance(given, str) or not 0 < len(given) <= 200:
        return False
    return hmac.compare_digest(key_hash(given).encode("ascii"), stored_hash.encode("ascii"))


def clean_name(text: object, most: int = NAME_LENGTH) -> str:
    """A display name as plain text: Unicode-normalised (NFC), control and format characters (bidi overrides,
    zero-width marks) removed, runs of white space made one space. Explained error when nothing is left or it is
    longer than `most`. Markup stays literal text: the name is shown as text, never rendered."""
    if not isinstance(text, str):
        raise Explained("classroom.name_empty", most=most)
    text = "".join(ch for ch in unicodedata.normalize("NFC", text[:10 * most])
                   if ch.isspace() or unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if not text:
        raise Explained("classroom.name_empty", most=most)
    if len(text) > most:
        raise Explained("classroom.name_too_long", most=most, n=len(text))
    return text


def class_days(env: Mapping[str, str] | None = None) -> float:
    """How long a new class stays open: $AELAB_CLASS_DAYS, else 14 days."""
    text = (os.environ if env is None else env).get("AELAB_CLASS_DAYS", "")
    try:
        days = float(text) if text else CLASS_DAYS
    except ValueError:
        raise ValueError(f"AELAB_CLASS_DAYS must be a number of days, not {text!r}") from None
    if not 0 < days <= MAX_DAYS:
        raise ValueError(f"AELAB_CLASS_DAYS must be more than 0 and at most {MAX_DAYS:g} days, not {text!r}")
    return days


def check_days(days: float) -> float:
    """days as given for a new class, or an Explained error outside (0, MAX_DAYS]."""
    if not (isinstance(days, int | float) and not isinstance(days, bool) and math.isfinite(days)
            and 0 < days <= MAX_DAYS):
        raise Explained("classroom.bad_days", most=f"{MAX_DAYS:g}", got=str(days)[:20])
    return float(days)


def public_url(env: Mapping[str, str] | None = None) -> str:
    """Where students reach the app: $AELAB_PUBLIC_URL, else the local server."""
    return ((os.environ if env is None else env).get("AELAB_PUBLIC_URL") or PUBLIC_URL).rstrip("/")


def join_url(code: str, env: Mapping[str, str] | None = None, *, lang: str) -> str:
    """The Classroom page with the code filled in, in the class's language: what students open (and the board's QR
    code holds). Each student can still switch language in the sidebar."""
    return f"{public_url(env)}/Classroom?{urlencode({'join': code, **({'lang': lang} if lang != DEFAULT else {})})}"


def teacher_url(code: str, key: str, env: Mapping[str, str] | None = None) -> str:
    """The Classroom page opened as the class's teacher: it carries the key, so it is shown to the teacher only."""
    return f"{public_url(env)}/Classroom?{urlencode({'class': code, 'key': key})}"
