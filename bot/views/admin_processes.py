"""`/salesbot admin` → `Processes`: every process of the workspace, one of them in full, and the
`Upload process file` modal."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.process import Process, Rule, Stage
from bot.ids import BLOCK_ADMIN_PROCESS_TOOLS, VIEW_ADMIN_PROCESS, VIEW_ADMIN_PROCESSES
from bot.services.process_uploads import ProcessOverview
from bot.views.blocks import Block, actions, button, context, escape, header, modal, section
from bot.views.inputs import labelled
from bot.views.timeline import slack_date

ADMIN_PROCESS_VIEW = "admin_process_view"
ADMIN_PROCESS_UPLOAD = "admin_process_upload"
VIEW_PROCESS_UPLOAD = "admin_process_upload_modal"
PROCESSES_SHOWN = 40


def processes_modal(info: ProcessOverview) -> dict[str, Any]:
    source = (
        f"Uploaded {slack_date(info.uploaded_at)}."
        if info.uploaded_at
        else "From PROCESS_FILE or the built-in process."
    )
    blocks: list[Block] = [header("Processes"), context(source)]
    for process in info.processes[:PROCESSES_SHOWN]:
        default = " · _default_" if process.name == info.default_name else ""
        bar = " › ".join(f"{escape(s.name)} {s.completed}/{s.chance}" for s in process.stages)
        text = (
            f"*{escape(process.name)}*{default} · probability {process.probability}\n{bar}\n{rule_text(process.when)}"
        )
        blocks.append(section(text, accessory=button("View", ADMIN_PROCESS_VIEW, process.name)))
    blocks.append(context("Stages read name completed %/chance of success %."))
    blocks.extend(actions([button("Upload process file", ADMIN_PROCESS_UPLOAD)], block_id=BLOCK_ADMIN_PROCESS_TOOLS))
    return modal("Processes", blocks, callback_id=VIEW_ADMIN_PROCESSES)


def rule_text(rule: Rule) -> str:
    if rule.empty:
        return "_Picked when no other process fits (or chosen by hand)._"
    parts = []
    if rule.lead_source:
        parts.append("lead source " + " or ".join(escape(s) for s in rule.lead_source))
    if rule.purchase_timeframe:
        parts.append("timeframe " + " or ".join(escape(s) for s in rule.purchase_timeframe))
    if rule.budget_min is not None:
        parts.append(f"budget ≥ {rule.budget_min:,}")
    if rule.budget_max is not None:
        parts.append(f"budget ≤ {rule.budget_max:,}")
    return "_For leads with " + ", ".join(parts) + "._"


def process_modal(process: Process) -> dict[str, Any]:
    blocks: list[Block] = [header(process.name), context(rule_text(process.when))]
    for stage in process.stages[:45]:
        blocks.append(section(stage_text(stage)))
    return modal("Process", blocks[:100], callback_id=VIEW_ADMIN_PROCESS)


def stage_text(stage: Stage) -> str:
    quote = " · a quote is required" if stage.quote_required else ""
    lines = [f"*{escape(stage.name)}* · completed {stage.completed} % · chance {stage.chance} %{quote}"]
    for step in stage.steps[:40]:
        mark = "☐" if step.is_checkbox else "✎"
        kind = "" if step.is_checkbox else f" ({step.type})"
        lines.append(f"{mark} {escape(step.name)}{kind}" + (" _required_" if step.required else ""))
    if not stage.steps:
        lines.append("_No steps._")
    return "\n".join(lines)


def upload_modal(parent_view_id: str) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            "Upload a TOML file with `[[process]]` tables, as PROCESS_FILE takes (stages, steps, `when` rules, "
            "`[[approval]]` rules). It replaces the workspace's processes; every worker uses it on its next request."
        ),
        labelled("file", "Process file", {"type": "file_input", "filetypes": ["toml", "txt"], "max_files": 1}),
        context(
            "Opportunities keep their process and step values: a file that drops a process or stage in use is refused."
        ),
    ]
    metadata = json.dumps({"parent": parent_view_id})
    return modal("Upload process file", blocks, callback_id=VIEW_PROCESS_UPLOAD, submit="Upload", metadata=metadata)
