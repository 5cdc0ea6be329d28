"""Rules on the fields of the models, which pydantic applies when it validates a file.

The models are frozen stdlib dataclasses: building one from data already validated (a
cache, or values the program made) needs no pydantic, which costs a clerk 40 ms to import.
Each rule here is metadata in `Annotated` that pydantic reads through the documented
`__get_pydantic_core_schema__` hook, importing pydantic only then. Rules on a whole model
live in its `__post_init__`, which pydantic calls after validating the fields and Python
calls on every direct construction, so the same checks hold for data from either source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, TypeAdapter
    from pydantic_core import CoreSchema

CONFIG = {"extra": "forbid"}  # the `__pydantic_config__` of every model: no unknown field


@dataclass(frozen=True)
class Limits:
    """Set keys of the field's own schema: strict=True, pattern=…, min_length=…, ge=…, le=…
    (strict: a number is not text, text is not a number)."""

    keys: tuple[tuple[str, Any], ...]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema: dict[str, Any] = dict(handler(source))
        schema.update(self.keys)
        return schema


def limits(**keys: Any) -> Limits:
    """Return the rule setting KEYS of a field's schema."""
    return Limits(tuple(keys.items()))


STRICT = limits(strict=True)


@dataclass(frozen=True)
class After:
    """Check (and return) a field's value once its type is validated; raise ValueError to refuse."""

    function: Callable[[Any], Any]
    before: ClassVar[bool] = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        wrap = (
            core_schema.no_info_before_validator_function
            if self.before
            else core_schema.no_info_after_validator_function
        )
        return wrap(self.function, handler(source))


class Before(After):
    """Turn a field's raw value into what its type validates, before validation."""

    before = True


@cache
def adapter(model: Any) -> TypeAdapter[Any]:
    """Return pydantic's validator of MODEL (a type), built once per run."""
    from pydantic import TypeAdapter

    return TypeAdapter(model)
