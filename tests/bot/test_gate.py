"""The gate in front of Bolt is the only signature check of /slack/events (bot.app turns Bolt's off):
without a signing secret nothing passes it."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from bot.gate import guard, parse_form


def _post(app: Any, body: bytes) -> tuple[str, bytes]:
    seen: list[str] = []
    environ = {"PATH_INFO": "/slack/events", "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.input": io.BytesIO(body),
               "HTTP_X_SLACK_REQUEST_TIMESTAMP": "1", "HTTP_X_SLACK_SIGNATURE": "v0=0"}  # fmt: skip
    answer = b"".join(app(environ, lambda status, headers: seen.append(status)))
    return seen[0], answer


def _bolt(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"reached Bolt"]


def test_without_a_signing_secret_nothing_reaches_bolt() -> None:
    status, answer = _post(guard(_bolt, "/slack/events", ""), b"command=%2Flead&team_id=T1&user_id=U1")
    assert status == "401 Unauthorized" and answer != b"reached Bolt"


def test_an_unsigned_request_does_not_reach_bolt() -> None:
    status, _ = _post(guard(_bolt, "/slack/events", "secret"), b"command=%2Flead&team_id=T1&user_id=U1")
    assert status == "401 Unauthorized"


FORM_PIECES = st.sampled_from(["&", "=", "+", "%", "%2", "%20", "%3D", "%26", "%C3%BC", "%ff", "a", "ü", " ", ";"])


@given(st.lists(st.one_of(FORM_PIECES, st.text(max_size=3)), max_size=30).map("".join))
def test_the_gates_form_parse_is_the_standard_librarys(text: str) -> None:
    assert parse_form(text) == dict(parse_qsl(text, keep_blank_values=True))


def test_a_slash_commands_form_parses_as_the_standard_library_parses_it() -> None:
    text = "token=x&team_id=T1&user_id=U1&command=%2Flead&text=M%C3%BCller+%26+Co%3D&response_url=https%3A%2F%2Fh&x"
    assert parse_form(text) == dict(parse_qsl(text, keep_blank_values=True))
    assert parse_form(text)["text"] == "Müller & Co=" and parse_form(text)["x"] == ""
