"""A lead's country as its ISO 3166-1 alpha-2 code, from a code (`IT`, `ITA`) or an English name
(`Italy`, `italy`), using pycountry's tables."""

from __future__ import annotations

import pycountry

from bot.domain.parsing import ParseError

NOT_A_COUNTRY = "“{text}” is not a country: enter an ISO code such as IT or a name such as Italy."
ALIASES = {"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "usa": "US", "america": "US"}


def parse_country(text: str) -> str:
    cleaned = " ".join(text.split())
    alias = ALIASES.get(cleaned.casefold())
    if alias:
        return alias
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_2)
    except LookupError:
        raise ParseError(
            f"“{cleaned[:40]}” is not a country: enter an ISO code such as IT or a name such as Italy."
        ) from None


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code) if code else None
    return str(found.name) if found is not None else code
