"""The Bot API over HTTP: ``/bot{token}/{method}`` and ``/file/bot{token}/{file_path}``.

Requests may be GET or POST with a JSON, URL-encoded or multipart body (aiogram sends
multipart with every field as a string). Answers have Telegram's shapes:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}``
with the same HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from sandbox.errors import BotApiError, bad_request, not_found
from sandbox.methods import METHODS, MethodContext, Params, UploadedFile
from sandbox.state import World

router = APIRouter()


def _world(request: Request) -> World:
    world: World = request.app.state.world
    return world


async def read_params(request: Request) -> Params:
    """Collect parameters from the query string and the body, whatever its encoding."""
    values: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    content_type = request.headers.get("content-type", "").lower()
    if "application/json" in content_type:
        body = await request.body()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(data, dict):
                raise bad_request("can't parse JSON object")
            values.update(data)
    elif "multipart/form-data" in content_type or "x-www-form-urlencoded" in content_type:
        try:
            form = await request.form()
        except Exception as error:  # malformed multipart bodies
            raise bad_request(f"can't parse request body: {error}") from None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = UploadedFile(value.filename, value.content_type, await value.read())
            else:
                values[key] = value
    return Params(values, files)


@router.api_route("/bot{token}/{method}", methods=["GET", "POST"])
async def call_method(token: str, method: str, request: Request) -> JSONResponse:
    """Run one Bot API method and answer in Telegram's envelope."""
    world = _world(request)
    entry = METHODS.get(method.lower())
    world.stats.requests[entry[0] if entry else method] += 1
    try:
        bot = world.bot_for_token(token)
        if entry is None:
            raise not_found()
        context = MethodContext(world, bot, await read_params(request))
        result = await entry[1](context)
    except BotApiError as error:
        world.stats.errors[error.error_code] += 1
        if error.error_code == 429:
            world.stats.too_many_requests += 1
        return JSONResponse(error.as_json(), status_code=error.error_code)
    body: dict[str, Any] = {"ok": True, "result": result}
    if context.description:
        body["description"] = context.description
    return JSONResponse(body)


@router.get("/file/bot{token}/{file_path:path}")
async def download_file(token: str, file_path: str, request: Request) -> Response:
    """Serve a file's bytes by the file_path that getFile returned."""
    world = _world(request)
    try:
        world.bot_for_token(token)
    except BotApiError as error:
        return JSONResponse(error.as_json(), status_code=error.error_code)
    stored = world.files_by_path.get(file_path)
    if stored is None:
        return JSONResponse(not_found().as_json(), status_code=404)
    return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")
