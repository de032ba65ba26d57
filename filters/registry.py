"""Parameter schemas and the registry of image operations.

Every operation a layer can apply (an adjustment, a generated mask) is described by a
:class:`FilterSpec`: its id, the pure function that does the work and a schema of its
parameters. The GUI builds its controls from the schema, the project file stores the
parameters by name, and the render engine scales the ``spatial`` ones (lengths in pixels)
with the preview scale so that a preview looks like the full render.

Conventions shared by every registered function::

    func(img, *, progress=None, **params) -> ndarray

- ``img`` is float32, (H, W) or (H, W, C), linear, NaN marks missing data; never modified.
- ``progress`` is an optional ``Callable[[float], None]`` taking a fraction 0..1. It may raise
  (the editor raises its ``Cancelled`` through it) to stop a long computation.
- the result is float32 and never silently clipped. Mask functions return (H, W) in 0..1.

Operations whose result depends on image statistics (an auto stretch, a background model)
may declare ``extra["measure"]``: ``measure(img, **params) -> dict`` of the data-dependent
values, independent of the image's pixel size (positions as fractions 0..1 of the image).
Their ``func`` then also accepts ``measured=`` that dict (None or absent: measure ``img``
itself, the plain behaviour). The editor measures once, on the layer's whole input at a
fixed resolution, and passes the result to every render (preview scale, region), so a
preview looks like the export. It adds ``measured["frame"]`` = (top, bottom, left, right) of
``img`` as fractions of the whole image, for operations that depend on the position. A
``measure`` that accepts ``measuring_scale`` is told the scale of the (area-averaged) copy it
measures, for statistics that change with it (noise drops by the reduction factor).

No Qt and no editor imports here: this module is the contract, not the application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal

from filters.messages import M_

ParamKind = Literal["float", "int", "bool", "choice", "points", "str"]
Category = Literal["adjustment", "mask"]

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class Param:
    """One parameter of an operation, as the GUI shows it and the project stores it.

    ``spatial`` marks a length in pixels of the full-resolution image (a radius, a sigma):
    at preview scale ``s`` the engine passes ``value * s``. ``kind='points'`` is a list of
    (x, y) pairs, as a curves editor produces.
    """

    name: str
    kind: ParamKind
    default: Any
    label: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    spatial: bool = False
    log_scale: bool = False
    #: (low, high) the slider covers when narrower than min..max (the numeric entry still
    #: takes any value in min..max exactly), e.g. a white point usually within 0..2.
    slider_range: tuple[float, float] | None = None
    doc: str = ""

    def validate(self, value: Any) -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ValueError naming it."""
        try:
            if self.kind == "float":
                v: Any = float(value)
            elif self.kind == "int":
                v = int(value)
            elif self.kind == "bool":
                if not isinstance(value, (bool, int)):
                    raise TypeError
                v = bool(value)
            elif self.kind == "choice":
                v = str(value)
                if v not in self.choices:
                    raise ValueError(f"{self.name}: " + M_("{value!r} is not one of {choices}", value=v,
                                                             choices=", ".join(self.choices)))
                return v
            elif self.kind == "points":
                v = [(float(x), float(y)) for x, y in value]
            else:
                v = str(value)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ValueError) and str(exc).startswith(self.name):
                raise
            raise ValueError(f"{self.name}: " + M_("cannot use {value!r} as {kind}", value=value, kind=self.kind)) from None
        if self.kind in ("float", "int"):
            if v != v:  # NaN
                raise ValueError(f"{self.name}: " + M_("NaN is not a valid value"))
            if self.min is not None and v < self.min:
                raise ValueError(f"{self.name}: " + M_("{value} is below the minimum {min}", value=v, min=self.min))
            if self.max is not None and v > self.max:
                raise ValueError(f"{self.name}: " + M_("{value} is above the maximum {max}", value=v, max=self.max))
        return v


@dataclass(frozen=True)
class FilterSpec:
    """An operation usable as an adjustment layer or a generated mask.

    ``version`` is bumped when the meaning of the parameters changes; ``migrate`` then turns
    a parameter dict saved by an older version into the current one (darktable-style), so old
    projects keep rendering the same.
    """

    id: str
    name: str
    func: Callable[..., Any]
    params: tuple[Param, ...] = ()
    category: Category = "adjustment"
    version: int = 1
    doc: str = ""
    migrate: Callable[[int, dict[str, Any]], dict[str, Any]] | None = None
    source: str = "builtin"  # "builtin" or the plugin id that provided it
    extra: dict[str, Any] = field(default_factory=dict)
    #: A tone curve (stretch, levels, curves...): its output has no physical unit, so an
    #: export drops BUNIT once such a layer is applied.
    nonlinear: bool = False

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.id} has no parameter {name!r}")  # untranslated: a programming error

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def resolve(self, params: dict[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with ``params``, validated; unknown names are an error."""
        unknown = set(params) - {p.name for p in self.params}
        if unknown:
            raise ValueError(f"{self.id}: " + M_("unknown parameter(s) {names}", names=", ".join(sorted(unknown))))
        out = self.defaults()
        for name, value in params.items():
            out[name] = self.param(name).validate(value)
        return out

    def scaled(self, params: dict[str, Any], scale: float) -> dict[str, Any]:
        """Parameters for a render at ``scale``: spatial lengths multiplied by it."""
        if scale == 1.0:
            return dict(params)
        out = dict(params)
        for p in self.params:
            if p.spatial and p.name in out:
                out[p.name] = float(out[p.name]) * scale
        return out


_BUILTIN: dict[str, FilterSpec] = {}


def register(spec: FilterSpec) -> FilterSpec:
    """Add a built-in operation. Plugins go through the editor's plugin registry instead."""
    if spec.id in _BUILTIN:
        raise ValueError(f"filter id {spec.id!r} registered twice")  # untranslated: a programming error
    _BUILTIN[spec.id] = spec
    return spec


def builtin_specs() -> list[FilterSpec]:
    """Every built-in operation, in registration order."""
    # No ``import filters`` here: this module is only reachable through the filters package,
    # whose __init__ has registered the built-ins by then (and importing it back was a loop).
    return list(_BUILTIN.values())


def specs_by_category(specs: Iterable[FilterSpec], category: Category) -> list[FilterSpec]:
    return [s for s in specs if s.category == category]
