"""Sales processes as data: stages with steps, the gates between stages, probabilities, rules.

A process is what Dynamics calls a business process flow (seed 002) with Business Central's
sales-cycle percentages (seed 003). Step values are kept by (stage name, step name), so changing
an opportunity's process never loses what was recorded: steps with the same names simply show up.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from bot.domain.routing import RoutingRuleError, RoutingRules, parse_routing

StepType = Literal["checkbox", "text", "amount", "number", "date", "choice", "user", "account", "contact"]
STEP_TYPES: tuple[str, ...] = ("checkbox", "text", "amount", "number", "date", "choice", "user", "account", "contact")
ProbabilityMode = Literal["multiply", "add", "chances", "completed"]
PROBABILITY_MODES: tuple[str, ...] = ("multiply", "add", "chances", "completed")
FEATURES: tuple[str, ...] = ("stakeholder", "competitor", "sales_team", "proposal", "final_proposal")

DEFAULT_PROCESS_NAME = "Lead to opportunity sales process"
TIMEFRAMES = ("Immediate", "This quarter", "Next quarter", "This year", "Unknown")
PURCHASE_PROCESSES = ("Individual", "Committee", "Unknown")

# Steps that complete themselves when a feature is used, whatever process they appear in.
FEATURE_BY_STEP = {
    "Identify stakeholders": "stakeholder",
    "Identify competitors": "competitor",
    "Identify sales team": "sales_team",
    "Develop proposal": "proposal",
    "Complete final proposal": "final_proposal",
}
# Steps whose value mirrors an opportunity field (so cards, digests and search see it).
FIELD_BY_STEP = {
    "Customer need": "customer_need",
    "Proposed solution": "proposed_solution",
    "Confirm decision date": "decision_date",
    "Estimated budget": "budget_amount",
    "Purchase timeframe": "purchase_timeframe",
    "Purchase process": "purchase_process",
}


@dataclass(frozen=True)
class Step:
    name: str
    type: StepType = "checkbox"
    required: bool = False
    options: tuple[str, ...] = ()
    feature: str = ""

    @property
    def is_checkbox(self) -> bool:
        return self.type == "checkbox"


@dataclass(frozen=True)
class Stage:
    name: str
    completed: int
    chance: int
    steps: tuple[Step, ...] = ()
    quote_required: bool = False  # Next stage / Finish wait for an Active or Won quote (Business Central)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    @property
    def checkbox_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.is_checkbox)

    @property
    def value_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if not s.is_checkbox)


@dataclass(frozen=True)
class Rule:
    """Which leads a process fits; every condition given must hold (empty rule: never picked)."""

    lead_source: tuple[str, ...] = ()
    purchase_timeframe: tuple[str, ...] = ()
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None

    @property
    def empty(self) -> bool:
        return not (self.lead_source or self.purchase_timeframe) and self.budget_min is None and self.budget_max is None

    def matches(self, *, lead_source: str = "", budget: Decimal | None = None, purchase_timeframe: str = "") -> bool:
        if self.empty:
            return False
        if self.lead_source and lead_source.casefold() not in {s.casefold() for s in self.lead_source}:
            return False
        if self.purchase_timeframe and purchase_timeframe.casefold() not in {
            s.casefold() for s in self.purchase_timeframe
        }:
            return False
        if self.budget_min is not None and (budget is None or budget < self.budget_min):
            return False
        return not (self.budget_max is not None and (budget is None or budget > self.budget_max))


@dataclass(frozen=True)
class Process:
    name: str
    stages: tuple[Stage, ...]
    probability: ProbabilityMode = "multiply"
    when: Rule = field(default_factory=Rule)
    default: bool = False

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def index(self, name: str) -> int:
        """Position of stage `name`; an unknown stage (after a process change) counts as the first."""
        names = self.stage_names
        return names.index(name) if name in names else 0

    def current(self, name: str) -> Stage:
        return self.stage(name) or self.stages[0]

    def next_stage(self, name: str) -> Stage | None:
        position = self.index(name)
        return self.stages[position + 1] if position + 1 < len(self.stages) else None

    def previous_stage(self, name: str) -> Stage | None:
        position = self.index(name)
        return self.stages[position - 1] if position > 0 else None

    def is_last(self, name: str) -> bool:
        return self.index(name) == len(self.stages) - 1

    def feature_steps(self, feature: str) -> list[tuple[Stage, Step]]:
        return [(stage, step) for stage in self.stages for step in stage.steps if step.feature == feature]


# --- state of an opportunity's steps ------------------------------------------------------------


@dataclass(frozen=True)
class StepState:
    done: bool = False
    value: str = ""


StepStates = Mapping[tuple[str, str], StepState]  # (stage, step) -> state


def is_complete(step: Step, state: StepState | None) -> bool:
    if state is None:
        return False
    return state.done if step.is_checkbox else bool(state.value.strip()) or state.done


def missing_steps(stage: Stage, states: StepStates) -> list[str]:
    """The required steps of `stage` not yet complete: `Next stage` is allowed when this is empty."""
    return [s.name for s in stage.steps if s.required and not is_complete(s, states.get((stage.name, s.name)))]


def completed_count(stage: Stage, states: StepStates) -> int:
    return sum(1 for s in stage.steps if is_complete(s, states.get((stage.name, s.name))))


def process_bar(process: Process, active: str, *, closed: bool = False) -> str:
    """`✓ Qualify › *▶ Develop* › Propose › Close` (all ✓ once the deal is closed)."""
    position = process.index(active)
    parts = []
    for index, stage in enumerate(process.stages):
        if closed or index < position:
            parts.append(f"✓ {stage.name}")
        elif index == position:
            parts.append(f"*▶ {stage.name}*")
        else:
            parts.append(stage.name)
    return " › ".join(parts)


# --- probability (Business Central sales cycles, seed 003) --------------------------------------


def probability(process: Process, stage_name: str, *, status: str = "open") -> Decimal:
    """Probability % of an opportunity: won 100, lost 0, else from the stage by the process's mode."""
    if status == "won":
        return Decimal(100)
    if status == "lost":
        return Decimal(0)
    stage = process.current(stage_name)
    return stage_probability(stage, process.probability)


def stage_probability(stage: Stage, mode: str) -> Decimal:
    chance, completed = Decimal(stage.chance), Decimal(stage.completed)
    if mode == "add":
        value = (chance + completed) / 2
    elif mode == "chances":
        value = chance
    elif mode == "completed":
        value = completed
    else:
        value = chance * completed / 100
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize() + 0


def percent_text(value: Decimal) -> str:
    """`45` or `22.5` — no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


# --- rules ----------------------------------------------------------------------------------------


def choose_process(
    processes: Iterable[Process],
    *,
    lead_source: str = "",
    budget: Decimal | None = None,
    purchase_timeframe: str = "",
) -> Process:
    """The first process (in file order) whose rule matches the lead; else the default one."""
    candidates = list(processes)
    for process in candidates:
        if process.when.matches(lead_source=lead_source, budget=budget, purchase_timeframe=purchase_timeframe):
            return process
    return next((p for p in candidates if p.default), None) or DEFAULT_PROCESS


# --- the default process: seed 002 exactly ------------------------------------------------------


def _checkbox(name: str, required: bool = False) -> Step:
    return Step(name, "checkbox", required, feature=FEATURE_BY_STEP.get(name, ""))


DEFAULT_PROCESS = Process(
    name=DEFAULT_PROCESS_NAME,
    probability="multiply",
    default=True,
    stages=(
        Stage(
            "Qualify",
            25,
            20,
            (
                Step("Identify contact", "contact", required=True),
                Step("Identify account", "account", required=True),
                Step("Purchase timeframe", "choice", options=TIMEFRAMES),
                Step("Estimated budget", "amount"),
                Step("Purchase process", "choice", options=PURCHASE_PROCESSES),
                _checkbox("Identify decision maker"),
            ),
        ),
        Stage(
            "Develop",
            50,
            40,
            (
                Step("Customer need", "text", required=True),
                Step("Proposed solution", "text", required=True),
                _checkbox("Identify stakeholders"),
                _checkbox("Identify competitors"),
            ),
        ),
        Stage(
            "Propose",
            75,
            60,
            (
                _checkbox("Identify sales team"),
                _checkbox("Develop proposal", required=True),
                _checkbox("Complete internal review"),
                _checkbox("Present proposal", required=True),
            ),
        ),
        Stage(
            "Close",
            100,
            80,
            (
                _checkbox("Complete final proposal"),
                _checkbox("Present final proposal", required=True),
                Step("Confirm decision date", "date", required=True),
                _checkbox("Send thank you note"),
                _checkbox("File debrief"),
            ),
        ),
    ),
)


# --- PROCESS_FILE (TOML) --------------------------------------------------------------------------


class ProcessFileError(Exception):
    """A malformed process file; the message names the file and the key path (or line)."""


OTHER_TABLES = ("approval", "routing", "routing_fallback", "deal_rooms")


def _mode_name(value: object) -> object:
    """Business Central's names are accepted too: "Chances only", "completed_only", "Multiply"…"""
    if not isinstance(value, str):
        return value
    name = value.strip().lower().replace("-", " ").replace("_", " ")
    return name.removesuffix(" only")


def load_process_file(path: Path) -> list[Process]:
    return list(load_library(path).custom)


def load_library(path: Path) -> ProcessLibrary:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ProcessFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ProcessFileError(f"{path}: is not UTF-8 text") from None
    return parse_library(text, source=str(path))


def parse_processes(text: str, *, source: str = "PROCESS_FILE") -> list[Process]:
    """Parse TOML process definitions; any problem raises ProcessFileError naming `source` and where."""
    return list(parse_library(text, source=source).custom)


def parse_library(text: str, *, source: str = "PROCESS_FILE") -> ProcessLibrary:
    """The processes and routing rules of a process file (ProcessFileError names what is wrong)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProcessFileError(f"{source}: TOML syntax error: {error}") from None
    processes = _Parser(source).processes(data)
    try:
        routing = parse_routing(data, source)
    except RoutingRuleError as error:
        raise ProcessFileError(str(error)) from None
    return ProcessLibrary(tuple(processes), routing)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> ProcessFileError:
        return ProcessFileError(f"{self.source}: {path}: {message}")

    def processes(self, data: dict[str, Any]) -> list[Process]:
        # [[approval]]: bot.domain.quotes reads it; [[routing]] and [routing_fallback]: bot.domain.routing;
        # [deal_rooms]: bot.domain.deal_rooms
        unknown = sorted(set(data) - {"process", *OTHER_TABLES})
        if unknown:
            raise self.fail(unknown[0], "unknown key (expected [[process]] tables)")
        raw = data.get("process")
        if raw is None and any(key in data for key in OTHER_TABLES):
            return []  # a file of approval, routing or deal room rules only: the built-in process stays
        if not isinstance(raw, list) or not raw:
            raise self.fail("process", "define at least one [[process]] table")
        result: list[Process] = []
        for index, item in enumerate(raw):
            process = self.process(item, f"process[{index}]")
            if any(p.name.casefold() == process.name.casefold() for p in result):
                raise self.fail(f"process[{index}].name", f"duplicate process name {process.name!r}")
            result.append(process)
        if sum(1 for p in result if p.default) > 1:
            raise self.fail("process", "only one process may have default = true")
        return result

    def process(self, item: Any, path: str) -> Process:
        if not isinstance(item, dict):
            raise self.fail(path, "must be a table")
        self.only(item, path, {"name", "probability", "when", "stage", "default"})
        name = self.text(item, "name", path, required=True)
        mode = _mode_name(item.get("probability", "multiply"))
        if mode not in PROBABILITY_MODES:
            raise self.fail(f"{path}.probability", f"must be one of {', '.join(PROBABILITY_MODES)}, not {mode!r}")
        default = item.get("default", False)
        if not isinstance(default, bool):
            raise self.fail(f"{path}.default", "must be true or false")
        stages_raw = item.get("stage")
        if not isinstance(stages_raw, list) or not stages_raw:
            raise self.fail(f"{path}.stage", "define at least one [[process.stage]] table")
        stages: list[Stage] = []
        for index, raw in enumerate(stages_raw):
            stage = self.stage(raw, f"{path}.stage[{index}]")
            if any(s.name.casefold() == stage.name.casefold() for s in stages):
                raise self.fail(f"{path}.stage[{index}].name", f"duplicate stage name {stage.name!r}")
            stages.append(stage)
        rule = self.rule(item.get("when"), f"{path}.when")
        return Process(name=name, stages=tuple(stages), probability=mode, when=rule, default=default)  # type: ignore[arg-type]

    def stage(self, item: Any, path: str) -> Stage:
        if not isinstance(item, dict):
            raise self.fail(path, "must be a table")
        self.only(item, path, {"name", "completed", "chance", "steps", "quote_required"})
        name = self.text(item, "name", path, required=True)
        completed = self.percent(item, "completed", path)
        chance = self.percent(item, "chance", path)
        raw_steps = item.get("steps", [])
        if not isinstance(raw_steps, list):
            raise self.fail(f"{path}.steps", "must be an array of inline tables")
        steps: list[Step] = []
        for index, raw in enumerate(raw_steps):
            step = self.step(raw, f"{path}.steps[{index}]")
            if any(s.name.casefold() == step.name.casefold() for s in steps):
                raise self.fail(f"{path}.steps[{index}].name", f"duplicate step name {step.name!r}")
            steps.append(step)
        quote_required = item.get("quote_required", False)
        if not isinstance(quote_required, bool):
            raise self.fail(f"{path}.quote_required", "must be true or false")
        return Stage(name=name, completed=completed, chance=chance, steps=tuple(steps), quote_required=quote_required)

    def step(self, item: Any, path: str) -> Step:
        if not isinstance(item, dict):
            raise self.fail(path, 'must be an inline table such as { name = "…", type = "checkbox" }')
        self.only(item, path, {"name", "type", "required", "options", "feature"})
        name = self.text(item, "name", path, required=True)
        kind = item.get("type", "checkbox")
        if kind not in STEP_TYPES:
            raise self.fail(f"{path}.type", f"unknown step type {kind!r} (expected one of {', '.join(STEP_TYPES)})")
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise self.fail(f"{path}.required", "must be true or false")
        options = item.get("options", [])
        if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
            raise self.fail(f"{path}.options", "must be an array of non-empty strings")
        if kind == "choice" and not options:
            raise self.fail(f"{path}.options", 'a choice step needs options = ["…", …]')
        if kind != "choice" and options:
            raise self.fail(f"{path}.options", "only choice steps take options")
        if len(options) > 100:
            raise self.fail(f"{path}.options", "at most 100 options")
        feature = item.get("feature", FEATURE_BY_STEP.get(name, "") if kind == "checkbox" else "")
        if feature and feature not in FEATURES:
            raise self.fail(f"{path}.feature", f"must be one of {', '.join(FEATURES)}, not {feature!r}")
        if feature and kind != "checkbox":
            raise self.fail(f"{path}.feature", "only checkbox steps complete themselves")
        return Step(name=name, type=kind, required=required, options=tuple(o.strip() for o in options), feature=feature)

    def rule(self, item: Any, path: str) -> Rule:
        if item is None:
            return Rule()
        if not isinstance(item, dict):
            raise self.fail(path, 'must be an inline table such as { lead_source = ["Web"] }')
        self.only(item, path, {"lead_source", "purchase_timeframe", "budget_min", "budget_max"})
        values: dict[str, Any] = {}
        for key in ("lead_source", "purchase_timeframe"):
            raw = item.get(key, [])
            if isinstance(raw, str):
                raw = [raw]
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise self.fail(f"{path}.{key}", "must be a string or an array of strings")
            values[key] = tuple(raw)
        for key in ("budget_min", "budget_max"):
            raw = item.get(key)
            if raw is None:
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                raise self.fail(f"{path}.{key}", "must be a number of 0 or more")
            values[key] = Decimal(str(raw))
        rule = Rule(**values)
        if rule.budget_min is not None and rule.budget_max is not None and rule.budget_min > rule.budget_max:
            raise self.fail(f"{path}.budget_max", "must not be less than budget_min")
        return rule

    def only(self, item: dict[str, Any], path: str, allowed: set[str]) -> None:
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise self.fail(f"{path}.{unknown[0]}", f"unknown key (expected {', '.join(sorted(allowed))})")

    def text(self, item: dict[str, Any], key: str, path: str, *, required: bool = False) -> str:
        value = item.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{path}.{key}", "must be a non-empty string")
        if len(value.strip()) > 100:
            raise self.fail(f"{path}.{key}", "must be at most 100 characters")
        return value.strip()

    def percent(self, item: dict[str, Any], key: str, path: str) -> int:
        value = item.get(key)
        if value is None:
            raise self.fail(f"{path}.{key}", "is missing (a whole percentage 0–100)")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise self.fail(f"{path}.{key}", f"must be a whole percentage 0–100, not {value!r}")
        return value


# --- the processes in use -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessLibrary:
    """The built-in process plus those of PROCESS_FILE; looked up by name (case-insensitive)."""

    custom: tuple[Process, ...] = ()
    routing: RoutingRules = field(default_factory=RoutingRules)

    @property
    def all(self) -> tuple[Process, ...]:
        names = {p.name.casefold() for p in self.custom}
        builtin = () if DEFAULT_PROCESS.name.casefold() in names else (DEFAULT_PROCESS,)
        return (*builtin, *self.custom)

    def get(self, name: str) -> Process:
        """The process named `name`; an unknown name (file changed) falls back to the default one."""
        for process in self.all:
            if process.name.casefold() == (name or "").casefold():
                return process
        return self.default

    @property
    def default(self) -> Process:
        return next((p for p in self.custom if p.default), DEFAULT_PROCESS)

    def choose(self, *, lead_source: str = "", budget: Decimal | None = None, purchase_timeframe: str = "") -> Process:
        chosen = choose_process(
            self.custom, lead_source=lead_source, budget=budget, purchase_timeframe=purchase_timeframe
        )
        return chosen if chosen is not DEFAULT_PROCESS else self.default


def library_from_file(path: Path | None) -> ProcessLibrary:
    return load_library(path) if path is not None else ProcessLibrary()
