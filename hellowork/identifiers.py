"""The shapes of Hello Work's numbers (DESIGN.md section 6), and one way to read them.

People type these numbers from paper, often with a Japanese input method switched on, so
full-width digits and the usual dash look-alikes are accepted and normalised (NFKC, then
every dash to "-"). Anything else is refused with a message that shows the expected shape.

Only the shape is checked: the 事業所番号 check digit's algorithm is not public, so it is
stored as given.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Hyphen look-alikes an input method produces: hyphen, non-breaking hyphen, figure dash,
# en and em dash, horizontal bar, minus sign, katakana prolonged sound mark (both widths).
DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70]")


def normalize(value: str) -> str:
    """Full-width to half-width (NFKC), every dash to "-", surrounding spaces removed."""
    return DASHES.sub("-", unicodedata.normalize("NFKC", value)).strip()


@dataclass(frozen=True)
class Shape:
    name: Promise
    pattern: str  # ASCII digits only: `\d` would also match other scripts' digits
    example: str
    description: Promise

    @property
    def regex(self) -> str:
        return f"^{self.pattern}$"

    def matches(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None

    def message(self) -> str:
        return _("%(name)sは「%(example)s」の形（%(description)s）で入力してください。") % {
            "name": self.name,
            "example": self.example,
            "description": self.description,
        }

    def clean(self, value: str) -> str:
        """The normalised number, or ValidationError naming the expected shape."""
        normalized = normalize(value or "")
        if not self.matches(normalized):
            raise ValidationError(self.message(), code="invalid_shape")
        return normalized


POSTING_NUMBER = Shape(
    name=_("求人番号"),
    pattern=r"[0-9]{5}-[0-9]{1,8}",
    example="07010-12345678",
    description=_("数字5桁、ハイフン、数字8桁以内"),
)
SEEKER_NUMBER = Shape(
    name=_("求職番号"),
    pattern=r"[0-9]{5}-[0-9]{1,8}",
    example="07010-00001234",
    description=_("数字5桁、ハイフン、数字8桁以内"),
)
ESTABLISHMENT_NUMBER = Shape(
    name=_("事業所番号"),
    pattern=r"[0-9]{4}-[0-9]{6}-[0-9]",
    example="0701-123456-7",
    description=_("数字4桁、ハイフン、数字6桁、ハイフン、チェック数字1桁"),
)
OFFICE_CODE = Shape(
    name=_("安定所番号"),
    pattern=r"[0-9]{4}",
    example="0701",
    description=_("数字4桁"),
)

SHAPES = {
    "posting": POSTING_NUMBER,
    "seeker": SEEKER_NUMBER,
    "establishment": ESTABLISHMENT_NUMBER,
    "office": OFFICE_CODE,
}


def _example_text(example: str) -> str:
    return gettext("例: %(example)s") % {"example": example}


# Lazy: form fields are built at import, and `gettext_lazy(...) % values` would translate
# right then, in the default language, for every later request.
example_text = lazy(_example_text, str)


class IdentifierFormField(forms.CharField):
    """A form field that normalises what was typed and refuses a wrong shape."""

    def __init__(self, *, shape: str, **kwargs: Any) -> None:
        self.shape = SHAPES[shape]
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("label", self.shape.name)
        kwargs.setdefault("help_text", example_text(self.shape.example))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: object) -> str:
        text = super().to_python(value)
        return normalize(text) if text else ""

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and not self.shape.matches(value):
            raise ValidationError(self.shape.message(), code="invalid_shape")


if TYPE_CHECKING:
    # Generic in django-stubs only (what the column takes, what it gives back).
    CharFieldBase = models.CharField[str, str]
else:
    CharFieldBase = models.CharField


class IdentifierField(CharFieldBase):
    """A number column of one shape: normalised on full_clean(), and the shape is also a
    check constraint on each model that uses it (see `shape_constraint`)."""

    def __init__(self, *args: Any, shape: str, **kwargs: Any) -> None:
        self.shape_name = shape
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["shape"] = self.shape_name
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return normalize(text) if text else text

    def validate(self, value: object, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        shape = SHAPES[self.shape_name]
        if value and not shape.matches(str(value)):
            raise ValidationError(shape.message(), code="invalid_shape")

    def formfield(self, **kwargs: Any) -> Any:
        return IdentifierFormField(
            shape=self.shape_name,
            label=self.verbose_name,
            required=not self.blank,
            max_length=self.max_length,
            **kwargs,
        )


def shape_constraint(field: str, shape: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__regex": SHAPES[shape].regex}),
        name=f"{model}_{field}_shape",
    )
