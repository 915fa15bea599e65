"""Lead routing rules as data (PRODUCT.md section 9): `[[routing]]` tables and one `[routing_fallback]`.

A rule matches on the lead's fields and names a target: a user, or a team whose members take turns
(round robin), skipping members at `max_open` open leads. The turn itself is stored in the database
(bot/services/routing.py); everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.domain.text import fold

TEXT_CONDITIONS = ("lead_source", "industry", "country", "city")
NUMBER_CONDITIONS = ("employees_min", "employees_max", "budget_min", "budget_max")
METHODS = ("round_robin",)
MAX_RULES = 200


class RoutingRuleError(ValueError):
    """A malformed `[[routing]]` or `[routing_fallback]` table; the message names the key path."""


@dataclass(frozen=True)
class LeadFacts:
    """What rules look at: the lead's source, industry, country (ISO code), city, size and budget."""

    lead_source: str = ""
    industry: str = ""
    country: str = ""
    city: str = ""
    employees: int | None = None
    budget: Decimal | None = None


@dataclass(frozen=True)
class Conditions:
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)  # folded accepted values per field
    bounds: Mapping[str, Decimal] = field(default_factory=dict)  # employees_min… budget_max

    def matches(self, facts: LeadFacts) -> bool:
        for key, accepted in self.values.items():
            if fold(str(getattr(facts, key) or "")) not in accepted:
                return False
        for key, bound in self.bounds.items():
            name, side = key.rsplit("_", 1)
            value = facts.employees if name == "employees" else facts.budget
            if value is None or (value < bound if side == "min" else value > bound):
                return False
        return True


@dataclass(frozen=True)
class Target:
    user: str = ""
    team: str = ""  # a team of /salesbot admin, by name
    method: str = "round_robin"
    max_open: int | None = None


@dataclass(frozen=True)
class RoutingRule:
    index: int  # position in the file: "rule 1" is the first
    when: Conditions
    assign: Target


@dataclass(frozen=True)
class Fallback:
    channel: str = ""
    owner: str = ""


@dataclass(frozen=True)
class RoutingRules:
    rules: tuple[RoutingRule, ...] = ()
    fallback: Fallback | None = None

    def first_match(self, facts: LeadFacts) -> RoutingRule | None:
        return next((rule for rule in self.rules if rule.when.matches(facts)), None)


def pick_member(members: Sequence[str], turn: int, open_leads: Mapping[str, int], max_open: int | None) -> str | None:
    """The member whose turn it is (`turn` counts from 1), or the next one below the cap; None when
    every member is at the cap (or there is nobody)."""
    if not members:
        return None
    start = (turn - 1) % len(members)
    for step in range(len(members)):
        member = members[(start + step) % len(members)]
        if max_open is None or open_leads.get(member, 0) < max_open:
            return member
    return None


def turn_key(team_name: str) -> str:
    """The database key of a team's turn: rules naming the same team share one turn."""
    return "team:" + fold(team_name)[:90]


# --- parsing -------------------------------------------------------------------------------------


def parse_routing(data: Mapping[str, Any], source: str) -> RoutingRules:
    raw = data.get("routing", [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise RoutingRuleError(f"{source}: routing: use [[routing]] tables")
    if len(raw) > MAX_RULES:
        raise RoutingRuleError(f"{source}: routing: at most {MAX_RULES} rules")
    rules = tuple(_rule(item, index, source) for index, item in enumerate(raw))
    fallback = _fallback(data.get("routing_fallback"), source)
    return RoutingRules(rules, fallback)


def _fail(source: str, path: str, message: str) -> RoutingRuleError:
    return RoutingRuleError(f"{source}: {path}: {message}")


def _only(item: Mapping[str, Any], allowed: Sequence[str], path: str, source: str) -> None:
    unknown = sorted(set(item) - set(allowed))
    if unknown:
        raise _fail(source, f"{path}.{unknown[0]}", f"unknown key (expected {', '.join(sorted(allowed))})")


def _rule(item: Mapping[str, Any], index: int, source: str) -> RoutingRule:
    path = f"routing[{index}]"
    _only(item, ("when", "assign"), path, source)
    when = _conditions(item.get("when", {}), f"{path}.when", source)
    if "assign" not in item:
        raise _fail(source, f"{path}.assign", 'is missing (e.g. { team = "EMEA" } or { user = "U123" })')
    return RoutingRule(index, when, _target(item["assign"], f"{path}.assign", source))


def _conditions(item: Any, path: str, source: str) -> Conditions:
    if not isinstance(item, dict):
        raise _fail(source, path, 'must be an inline table such as { lead_source = ["Web"] }')
    _only(item, (*TEXT_CONDITIONS, *NUMBER_CONDITIONS), path, source)
    values: dict[str, frozenset[str]] = {}
    for key in TEXT_CONDITIONS:
        raw = item.get(key)
        if raw is None:
            continue
        raw = [raw] if isinstance(raw, str) else raw
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v.strip() for v in raw):
            raise _fail(source, f"{path}.{key}", "must be a string or an array of non-empty strings")
        values[key] = frozenset(fold(v.strip()) for v in raw)
    bounds: dict[str, Decimal] = {}
    for key in NUMBER_CONDITIONS:
        raw = item.get(key)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
            raise _fail(source, f"{path}.{key}", "must be a number of 0 or more")
        bounds[key] = Decimal(str(raw))
    for name in ("employees", "budget"):
        low, high = bounds.get(f"{name}_min"), bounds.get(f"{name}_max")
        if low is not None and high is not None and low > high:
            raise _fail(source, f"{path}.{name}_max", f"must not be less than {name}_min")
    return Conditions(values, bounds)


def _target(item: Any, path: str, source: str) -> Target:
    if not isinstance(item, dict):
        raise _fail(source, path, 'must be an inline table such as { team = "EMEA", method = "round_robin" }')
    _only(item, ("user", "team", "method", "max_open"), path, source)
    user, team = item.get("user"), item.get("team")
    if (user is None) == (team is None):
        raise _fail(source, path, "give either user or team")
    if user is not None and not _user_id(user):
        raise _fail(source, f"{path}.user", f"must be a Slack user id such as U012AB3CD, not {user!r}")
    if team is not None and (not isinstance(team, str) or not team.strip() or len(team) > 100):
        raise _fail(source, f"{path}.team", "must be a team's name (at most 100 characters)")
    method = item.get("method", "round_robin")
    if method not in METHODS:
        raise _fail(source, f"{path}.method", f"must be one of {', '.join(METHODS)}, not {method!r}")
    max_open = item.get("max_open")
    if max_open is not None and (isinstance(max_open, bool) or not isinstance(max_open, int) or max_open < 1):
        raise _fail(source, f"{path}.max_open", f"must be a whole number of 1 or more, not {max_open!r}")
    return Target(user=user or "", team=" ".join((team or "").split()), method=method, max_open=max_open)


def _fallback(item: Any, source: str) -> Fallback | None:
    if item is None:
        return None
    if not isinstance(item, dict):
        raise _fail(source, "routing_fallback", "must be a table: [routing_fallback]")
    _only(item, ("channel", "owner"), "routing_fallback", source)
    channel, owner = item.get("channel"), item.get("owner")
    if (channel is None) == (owner is None):
        raise _fail(source, "routing_fallback", "give either channel or owner")
    if channel is not None and not (_slack_id(channel) and channel[0] in "CG"):
        raise _fail(source, "routing_fallback.channel", f"must be a Slack channel id such as C0LEADS, not {channel!r}")
    if owner is not None and not _user_id(owner):
        raise _fail(source, "routing_fallback.owner", f"must be a Slack user id such as U012AB3CD, not {owner!r}")
    return Fallback(channel=channel or "", owner=owner or "")


def _slack_id(value: object) -> bool:
    return isinstance(value, str) and 2 <= len(value) <= 32 and value.isalnum() and value.isupper()


def _user_id(value: object) -> bool:
    return _slack_id(value) and str(value)[0] in "UW"
