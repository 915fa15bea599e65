"""The lead import modal and the progress / result message."""

from __future__ import annotations

from typing import Any

from bot.ids import VIEW_IMPORT
from bot.imports.leads import ImportReport
from bot.views.blocks import Block, context, escape, header, modal, section
from bot.views.inputs import labelled

REJECTIONS_SHOWN = 20


def import_modal() -> dict[str, Any]:
    blocks = [
        section(
            "Upload a CSV file with a header row naming the lead fields (for example *Topic*, *Company*, "
            "*Email*, *First name*, *Last name*, *Budget amount*). `,` or `;` separated, UTF-8."
        ),
        labelled("file", "CSV file", {"type": "file_input", "filetypes": ["csv"], "max_files": 1}),
        context(
            "Duplicates of existing leads (same email, or same company and name) are skipped. "
            "You can also send the CSV to salesbot in a direct message."
        ),
    ]
    return modal("Import leads", blocks, callback_id=VIEW_IMPORT, submit="Import")


def progress_blocks(name: str, report: ImportReport) -> list[Block]:
    return [
        section(
            f":hourglass_flowing_sand: Importing *{escape(name)}*… {report.rows:,} rows read, "
            f"{report.created:,} created so far."
        )
    ]


def result_blocks(name: str, report: ImportReport) -> list[Block]:
    if report.error:
        return [section(f":x: *{escape(name)}* was not imported: {escape(report.error)}")]
    blocks: list[Block] = [
        header(f"Import of {name}"[:150]),
        section(
            f":white_check_mark: *{report.created:,}* leads created · *{report.duplicates:,}* duplicates "
            f"skipped · *{report.rejected:,}* rows rejected (of {report.rows:,})."
        ),
    ]
    if report.rejections:
        lines = [f"• row {r.row}: {escape(r.reason)}" for r in report.rejections[:REJECTIONS_SHOWN]]
        more = report.rejected - min(len(report.rejections), REJECTIONS_SHOWN)
        if more > 0:
            lines.append(f"…and {more:,} more.")
        blocks.append(section("*Rejected rows*\n" + "\n".join(lines)))
        blocks.append(context("All rejected rows, with the reason, follow as a CSV: fix them and send me that file."))
    if report.unknown_columns:
        blocks.append(context("Ignored columns: " + ", ".join(escape(c) for c in report.unknown_columns[:20])))
    return blocks
