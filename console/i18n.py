"""Languages: Simplified Chinese (the default) and English, from one catalog per language.

The catalogs (static/i18n/*.json) serve both the server-rendered pages and the scripts.
A `?lang=` query switches and is remembered in a cookie.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from fastapi import Request

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
LANG_COOKIE = "nw_lang"
_CATALOGS = Path(__file__).resolve().parent / "static" / "i18n"


@cache
def catalog(language: str) -> Mapping[str, str]:
    """Every UI string of `language`, by key."""
    loaded: dict[str, str] = json.loads((_CATALOGS / f"{language}.json").read_text("utf-8"))
    return loaded


def pick_language(request: Request) -> str:
    """The `lang` query if valid, else the cookie, else Chinese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language
        self.strings = catalog(language)

    def __call__(self, key: str) -> str:
        """The string for `key`; the key itself when missing, so a gap shows, not crashes."""
        return self.strings.get(key, key)
