"""The web pages of the install flow (OAuth mode): `/slack/install` and what `/slack/oauth_redirect`
lands on. Pure HTML builders; every value is escaped."""

from __future__ import annotations

from html import escape

APP_NAME = "salesbot"
WHAT_IT_DOES = (
    "A sales assistant inside Slack: capture and qualify leads, walk opportunities through their stages, "
    "quote, get reminders of appointments and tasks, and send managers their pipeline digests."
)
# Why salesbot asks for each bot scope (the manifest's scopes; an unknown one is listed without a reason)
SCOPE_REASONS = {
    "commands": "the /lead, /opp, /pipeline, /sequence, /task and /salesbot commands and the shortcuts",
    "chat:write": "posting cards, reminders, digests and alerts",
    "channels:history": "threads under lead and opportunity cards in public channels",
    "groups:history": "threads under cards in private channels it was invited to",
    "im:history": "your messages to salesbot in its DM",
    "channels:join": "joining the public channel you ask colleagues in",
    "channels:manage": "opening and archiving deal rooms",
    "channels:read": "checking a channel exists before posting alerts there",
    "groups:read": "checking a private channel it was invited to",
    "groups:write": "private deal rooms",
    "im:write": "opening its DM with you for reminders",
    "pins:write": "pinning the deal card in a deal room",
    "files:read": "reading the CSV files you import",
    "files:write": "sending pipeline charts, quote PDFs and data exports",
    "users:read": "your name and time zone, so reminders come at your local time",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}"
    "code{background:#f3f3f3;padding:0 .3em}li{margin:.2rem 0}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="icon" href="data:,"><style>{STYLE}</style></head><body>{body}</body></html>'
    )


def install_page(authorize_url: str, scopes: list[str]) -> str:
    rows = "".join(
        f"<li><code>{escape(scope)}</code>: {escape(SCOPE_REASONS.get(scope, 'used by salesbot'))}</li>"
        for scope in sorted(scopes)
    )
    body = (
        f"<h1>Add {APP_NAME} to your Slack workspace</h1><p>{escape(WHAT_IT_DOES)}</p>"
        f'<p><a id="add-to-slack" href="{escape(authorize_url)}">Add to Slack</a></p>'
        f"<h2>What it asks Slack for, and why</h2><ul>{rows}</ul>"
        "<p>Whoever installs it becomes the workspace's first salesbot admin.</p>"
    )
    return _page(f"Add {APP_NAME} to Slack", body)


def success_page(workspace: str) -> str:
    body = (
        f"<h1>{APP_NAME} is installed in {escape(workspace)}</h1>"
        "<p>What to do next:</p><ul>"
        "<li>In Slack, type <code>/lead</code> to capture your first lead (everyone in the workspace can).</li>"
        "<li>You are its first admin: <code>/salesbot admin</code> sets roles, teams and channels.</li>"
        f"<li>{APP_NAME} has sent you a welcome message in its DM.</li></ul>"
    )
    return _page(f"{APP_NAME} is installed", body)


FAILURES = {
    "access_denied": "The install was cancelled in Slack.",
    "invalid_browser": "This link was opened in another browser than the one that started the install.",
    "invalid_state": "This install link has expired or was already used.",
    "missing_code": "Slack did not send an authorization code.",
    "invalid_code": "Slack did not accept the authorization code (it may have been used already).",
    "storage_error": "The installation could not be saved.",
}


def failure_page(reason: str) -> str:
    why = FAILURES.get(reason, "Slack reported an error.")
    body = (
        f"<h1>{APP_NAME} was not installed</h1><p>{escape(why)} Nothing was installed.</p>"
        '<p><a href="/slack/install">Start again</a></p>'
    )
    return _page(f"{APP_NAME} was not installed", body)


def org_wide_page() -> str:
    body = (
        f"<h1>{APP_NAME} can't be installed org-wide yet</h1>"
        "<p>Enterprise Grid org-wide installs are not supported yet, so nothing was installed. "
        "Install it in each workspace of your organisation instead.</p>"
        '<p><a href="/slack/install">Install in a workspace</a></p>'
    )
    return _page(f"{APP_NAME} was not installed", body)
