"""`/pipeline`: the funnel (ephemeral, via response_url) and the chart images (in the requester's DM,
files can't be ephemeral); `List` buttons page through a stage; the App Home pipeline section."""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from bot.domain import pipeline as rules
from bot.ids import PIPELINE_PAGE, PIPELINE_STAGE
from bot.messages import RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services import pipeline as service
from bot.surface import Surface
from bot.views import charts
from bot.views import pipeline as views
from handlers.context import team_id, user_id
from handlers.home import HomeRequest
from handlers.listeners import after_ack, later
from handlers.middleware import refresh_user_profile
from handlers.replies import open_dm, replace_message, reply_ephemeral
from store.db import transaction

log = logging.getLogger("salesbot.pipeline")
WORKING = ":hourglass_flowing_sand: Adding up your pipeline…"


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("chat:write", "im:write", "files:write", "users:read")

    @surface.command(
        "/pipeline", "Funnel, forecast and pipeline chart", "[mine|team|all] [this-quarter|next-quarter|this-year]"
    )
    def pipeline_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = (body.get("text") or "").strip()
        request = rules.parse_request(text)
        if request is None:
            unknown = "" if text.lower() == "help" else text
            ack(text="/pipeline help", blocks=views.usage_blocks(unknown), response_type="ephemeral")
            return
        ack(text=WORKING, response_type="ephemeral")
        later(deps, client, body, answer, deps, client, body, request)

    after_ack(app, deps, PIPELINE_STAGE, functools.partial(show_stage, deps, replace=False))
    after_ack(app, deps, PIPELINE_PAGE, functools.partial(show_stage, deps, replace=True))

    @surface.home_section(10)
    def pipeline_section(home: HomeRequest) -> list[dict[str, Any]]:
        summary = service.home_summary(
            home.reads.reader, viewer=home.reads.viewer, tz=home.reads.tz, now=home.reads.now,
            library=deps.processes.at_version(home.reads.reader, home.team, home.reads.ask.library_version),
        )  # fmt: skip
        return views.home_blocks(
            period=summary.period, report=summary.report, upcoming=summary.upcoming, reps=summary.reps,
            today=summary.today,
        )  # fmt: skip


def answer(deps: Deps, client: WebClient, body: dict[str, Any], request: rules.PipelineRequest) -> None:
    """After the ack: check the scope, add up the funnel, draw and upload the charts, post the funnel."""
    team, user = team_id(body), user_id(body)
    # The time zone and Slack admin flag, fetched at most twice a day; IntegrityError: the middleware's
    # refresh of the same new user won the race and wrote the same data.
    with contextlib.suppress(IntegrityError):
        refresh_user_profile(deps, client, team, user)
    with transaction(deps.new_session) as session:
        library = deps.processes.library(session, team)
        scope = service.resolve_scope(
            session, team_id=team, user_id=user, admin_ids=deps.admin_ids, scope=request.scope
        )
        period = service.period_of(scope, request.period, deps.clock())
        report = service.report(session, scope, period, library)
        bubbles = service.bubbles(session, scope, period) if not report.empty else []
    if report.empty:
        text, blocks = views.empty_message(report)
        reply_ephemeral(client, body, text, blocks)
        return
    links, note = upload_charts(client, team, user, report, bubbles, service.chart_stages(report, library))
    text, blocks = views.funnel_message(report, charts=links, chart_note=note)
    reply_ephemeral(client, body, text, blocks)


def upload_charts(
    client: WebClient,
    team: str,
    user: str,
    report: rules.PipelineReport,
    bubbles: list[charts.Bubble],
    stages: list[str],
) -> tuple[views.ChartLinks | None, str]:
    """Both PNGs in one files_upload_v2 to the requester's DM; (links, note when it failed)."""
    heading = views.title(report.scope, report.period)
    try:
        pipeline_png = charts.pipeline_chart(bubbles, stages=stages, period=report.period, title=heading)
        funnel_png = charts.funnel_chart(report, title=f"Funnel · {heading}")
    except Exception:  # a drawing bug must not cost the user the funnel
        log.exception("pipeline chart rendering failed")
        return None, "I couldn't draw the charts this time; the figures below are complete."
    try:
        channel = open_dm(client, user)
        response = client.files_upload_v2(
            channel=channel,
            initial_comment=f"{heading} ({report.period.span})",
            file_uploads=_chart_files(report, heading, pipeline_png, funnel_png),
        )
    except SlackApiError as error:
        code = error.response.get("error", "error") if error.response is not None else "error"
        log.warning("pipeline chart upload failed error=%s", code)
        return None, f"I couldn't upload the charts to your DM (Slack said `{code}`); the figures below are complete."
    dm_link = f"https://slack.com/app_redirect?channel={channel}&team={team}"
    files = response.get("files") or []
    permalinks = [(f.get("permalink") if isinstance(f, dict) else None) or dm_link for f in files]
    permalinks += [dm_link] * (2 - len(permalinks))
    return views.ChartLinks(pipeline=permalinks[0], funnel=permalinks[1], dm=dm_link), ""


def _chart_files(report: rules.PipelineReport, heading: str, pipeline: bytes, funnel: bytes) -> list[dict[str, Any]]:
    slug = f"{report.scope}-{report.period.label.lower().replace(' ', '-')}"
    return [
        {
            "file": pipeline,
            "filename": f"pipeline-{slug}.png",
            "title": f"Pipeline chart · {heading}",
            "alt_txt": "Open opportunities by estimated close date; bubble size is revenue, colour the grade",
        },
        {
            "file": funnel,
            "filename": f"funnel-{slug}.png",
            "title": f"Funnel · {heading}",
            "alt_txt": "Open opportunities per stage",
        },
    ]


def show_stage(deps: Deps, client: WebClient, body: dict[str, Any], *, replace: bool) -> None:
    """A page of a funnel stage's opportunities, after checking the scope again for the clicker."""
    try:
        ref = rules.decode_stage_list((body.get("actions") or [{}])[0].get("value"))
    except ValueError:
        raise Refused(RECORD_NOT_FOUND) from None
    team, user = team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        library = deps.processes.library(session, team)
        scope = service.resolve_scope(session, team_id=team, user_id=user, admin_ids=deps.admin_ids, scope=ref.scope)
        period = service.period_of(scope, ref.period, deps.clock())
        page = service.stage_page(session, scope, period, ref, library, views.PAGE_SIZE)
    if page is None:
        raise Refused("That funnel is out of date (the processes changed). Run `/pipeline` again.")
    text, blocks = views.stage_page_message(
        ref=ref, process_name=page.process_name, stage_name=page.stage_name, period=period,
        opportunities=page.opportunities, total=page.total,
    )  # fmt: skip
    if replace and body.get("response_url"):
        replace_message(client, body, text, blocks)
        return
    reply_ephemeral(client, body, text, blocks)
