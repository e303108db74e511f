"""The name of a governed model: the one definition every setting, message and document uses.

Model Steward names a model as Amazon Lookout for Equipment does (``ModelName``: 1 to 200 of
``0-9 a-z A-Z _ -``; see https://docs.aws.amazon.com/lookout-for-equipment/latest/ug/API_CreateModel.html).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

MODEL_NAME = r"[0-9a-zA-Z_-]{1,200}"
"""A model name inside a longer pattern (an ARN, a mapping); unanchored."""
MODEL_NAME_PATTERN = rf"^{MODEL_NAME}$"
MODEL_PREFIX_PATTERN = r"^[0-9a-zA-Z_-]*$"
ModelName = Annotated[str, StringConstraints(pattern=MODEL_NAME_PATTERN)]
_NAME = re.compile(MODEL_NAME_PATTERN)


def is_model_name(text: str) -> bool:
    return bool(_NAME.match(text))
