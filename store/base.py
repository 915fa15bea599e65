"""The base of every table model."""

from __future__ import annotations

from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig


class TableModel(SQLModel):
    """SQLModel with pydantic's validator and serializer built on first use instead of at import
    (`defer_build`). A table model does not validate on construction, so a worker that never calls
    `model_dump` or `model_validate` on a class never builds them: building them for the 46 tables was
    ~8 % of the models' import, which every `salesbot run` pays before its first answer
    (docs/performance.md, "Start-up, fifth session")."""

    model_config = SQLModelConfig(defer_build=True)
