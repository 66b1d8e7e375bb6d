"""Reading HTML forms and filter strings into the shared input models (``schemas``).

Browsers send ``""`` for an unselected ``<select>`` or an empty box; on pages that means
"none" for optional fields, so those are left out before validation. The JSON API reads
the same models strictly (FastAPI's own parsing), as its schema says.
"""

from __future__ import annotations

from typing import Any, TypeVar, get_origin

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import ImmutableMultiDict

Model = TypeVar("Model", bound=BaseModel)
_BOOLEANS = {"true": True, "false": False}


def _values(model: type[BaseModel], source: ImmutableMultiDict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in source:
            continue
        if get_origin(field.annotation) is list:
            values[name] = source.getlist(name)
            continue
        value = source.get(name)
        if field.default is None and isinstance(value, str) and not value.strip():
            continue  # an optional field left blank
        if field.annotation is bool and value in _BOOLEANS:
            value = _BOOLEANS[value]
        values[name] = value
    return values


def _validate(model: type[Model], values: dict[str, Any], location: str) -> Model:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": (location, *e["loc"])} for e in error.errors()]
        ) from None


def form_of(model: type[Model]) -> Any:
    """``Annotated[BranchIn, form_of(BranchIn)]``: the posted form as ``BranchIn``."""

    async def parse(request: Request) -> Model:
        form = await request.form()
        return _validate(model, _values(model, form), "body")

    return Depends(parse)


def query_of(model: type[Model]) -> Any:
    """``Annotated[MemberQuery, query_of(MemberQuery)]``: the page's filters."""

    def parse(request: Request) -> Model:
        return _validate(model, _values(model, request.query_params), "query")

    return Depends(parse)
