"""The fake Slack Web API lives in the product (slackstandin/web_api.py): the playground shows what tests prove."""

from slackstandin.web_api import BOT_USER_ID, Call, Failure, FakeSlack, Message, UserProfile, WorkspaceLimit

__all__ = ["BOT_USER_ID", "Call", "Failure", "FakeSlack", "Message", "UserProfile", "WorkspaceLimit"]
