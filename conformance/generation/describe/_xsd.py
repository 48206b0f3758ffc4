"""The structure of an XML message type, read from the components xmlschema builds of its XSD.

The schema is read as validation reads it (`validation.xsd`: only documents of the bundle, under
the compile budget, XPath denied the host). xmlschema, not a walk over the XSD text: named and
anonymous types, groups, references, extensions and imports across namespaces are already
resolved there. The walk is bounded in depth and in fields, and stops at a type that recurses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._budget import Budget
from ._model import DEPTH_CUT, Field, FieldKind, Sample

# Text values tried, in order, when a simple type has no enumeration, fixed value or hint: the first
# the type accepts goes into a skeleton. Short on purpose (patterns run on each).
_CANDIDATES = (
    "x", "1", "0", "true", "2026-01-01", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "00:00:00",
    "urn:example:x", "example", "X1", "1.0", "2026", "2026-01", "P1D", "AAAA", "part-1", "EUR", "a@b.c",
)
# Elements every xmlschema schema holds (the meta-schema's, xml:, xsi:): not the bundle's.
_BUILT_IN_NAMESPACES = ("{http://www.w3.org/2001/XMLSchema}", "{http://www.w3.org/XML/1998/namespace}",
                        "{http://www.w3.org/2001/XMLSchema-instance}", "{http://www.w3.org/2007/XMLSchema-versioning}")
VALUES_SHOWN = 10  # enumeration values kept in a field (the count says how many there are)


def root_field(schema: Any, root: str, namespace: str | None, budget: Budget) -> Field | None:
    """The document element `{namespace}root` and its content, or None if the schema lacks it."""
    name = f"{{{namespace}}}{root}" if namespace else root
    element = schema.maps.elements.get(name)
    if element is None:
        return None
    budget.take()
    return _element(element, "", 1, 1, frozenset(), budget, 1)


def global_roots(schema: Any) -> tuple[str, ...]:
    """The schema's global elements (Clark names), sorted: what a document element may be."""
    return tuple(sorted(str(name) for name in schema.maps.elements
                        if not str(name).startswith(_BUILT_IN_NAMESPACES)))


def _clark_parts(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace or None, local
    return None, name


def _element(element: Any, parent: str, low: int, high: int | None, path_types: frozenset[int],
             budget: Budget, depth: int) -> Field:
    namespace, local = _clark_parts(str(element.name))
    path = f"{parent}/{element.name}"
    xsd_type = element.type
    note: str | None = None
    depth_cut = False
    children: list[Field] = []
    if getattr(element, "abstract", False):
        note = "abstract: use an element of its substitution group"
    if not xsd_type.is_simple() and id(xsd_type) in path_types:
        note = "recursive: its content is shown above"
    elif not xsd_type.is_simple():
        inner = path_types | {id(xsd_type)}
        children.extend(_attributes(xsd_type, path, budget))
        if not xsd_type.has_simple_content() and getattr(xsd_type, "content", None) is not None:
            if depth >= budget.limits.depth:
                note, depth_cut, budget.cut = DEPTH_CUT, True, True
            else:
                children.extend(_group_content(xsd_type.content, path, inner, budget, depth + 1))
    simple = _simple_type(xsd_type)
    values, count, sample = _values(simple, budget, path, element.fixed, element.default)
    return Field(
        name=local, kind=FieldKind.ELEMENT, path=path, min_occurs=low, max_occurs=high,
        type=_type_name(xsd_type), namespace=namespace, values=values, value_count=count,
        fixed=element.fixed, sample=sample, has_sample=simple is not None, children=tuple(children),
        note=note, depth_cut=depth_cut,
    )


def _simple_type(xsd_type: Any) -> Any:
    """The simple type of an element's text, or None when it holds elements only."""
    if xsd_type.is_simple():
        return xsd_type
    if xsd_type.has_simple_content():
        return xsd_type.content
    return None  # element content, mixed or not: no text of one type


def _type_name(xsd_type: Any) -> str:
    name = getattr(xsd_type, "prefixed_name", None)
    if name:
        return str(name)
    base = getattr(xsd_type, "base_type", None)
    if base is not None and getattr(base, "prefixed_name", None):
        return f"{base.prefixed_name} (restricted)"
    return "(anonymous type)"


def _attributes(xsd_type: Any, parent: str, budget: Budget) -> Iterator[Field]:
    attributes = getattr(xsd_type, "attributes", None)
    if not attributes:
        return
    for key, attribute in attributes.items():
        if key is None or not hasattr(attribute, "use"):
            continue  # an attribute wildcard
        if attribute.use == "prohibited" or (budget.limits.required_only and attribute.use != "required"):
            continue
        if not budget.take():
            continue
        namespace, local = _clark_parts(str(attribute.name))
        path = f"{parent}/@{attribute.name}"
        values, count, sample = _values(attribute.type, budget, path, attribute.fixed, attribute.default)
        required = attribute.use == "required"
        yield Field(
            name=f"@{local}", kind=FieldKind.ATTRIBUTE, path=path, min_occurs=1 if required else 0,
            max_occurs=1, type=_type_name(attribute.type), namespace=namespace, values=values,
            value_count=count, fixed=attribute.fixed, sample=sample, has_sample=True,
        )


def _occurs(particle: Any) -> tuple[int, int | None]:
    low = int(particle.min_occurs)
    high = particle.max_occurs
    return low, None if high is None else int(high)


def _group_content(group: Any, parent: str, path_types: frozenset[int], budget: Budget, depth: int,
                   *, top: bool = True) -> list[Field]:
    """The children of a content model; a plain 1..1 sequence is flattened into its parent."""
    result: list[Field] = []
    for particle in group:
        low, high = _occurs(particle)
        if budget.limits.required_only and (low == 0 or (group.model == "choice" and result)):
            continue
        if not budget.take():
            break
        if hasattr(particle, "model"):  # a nested group
            inner = _group_content(particle, parent, path_types, budget, depth, top=False)
            if particle.model == "choice":
                result.append(Field(name="(one of)", kind=FieldKind.CHOICE, path=parent, min_occurs=low,
                                    max_occurs=high, children=tuple(inner)))
            elif (low, high) == (1, 1):
                result.extend(inner)
            else:
                result.append(Field(name="(in order)", kind=FieldKind.SEQUENCE, path=parent,
                                    min_occurs=low, max_occurs=high, children=tuple(inner)))
        elif hasattr(particle, "type") and getattr(particle, "name", None):
            result.append(_element(particle, parent, low, high, path_types, budget, depth))
        else:
            spaces = getattr(particle, "namespace", ()) or ()
            listed = " ".join(str(s) for s in spaces) if not isinstance(spaces, str) else spaces
            result.append(Field(name="(any element)", kind=FieldKind.ANY, path=parent, min_occurs=low,
                                max_occurs=high, note=f"namespaces: {listed}" if listed else None))
    if top and group.model == "choice" and result:
        # The top group of a type is a choice: say so, once, around its alternatives.
        low, high = _occurs(group)
        if (low, high) != (1, 1) or len(result) > 1:
            return [Field(name="(one of)", kind=FieldKind.CHOICE, path=parent, min_occurs=low,
                          max_occurs=high, children=tuple(result))]
    return result


def _accepts(simple: Any, text: str) -> bool:
    try:
        return bool(simple.is_valid(text))
    except Exception:  # xmlschema's own errors on odd types: not a value we can vouch for
        return False


def _values(simple: Any, budget: Budget, path: str, fixed: str | None,
            default: str | None) -> tuple[tuple[str, ...], int, Sample]:
    """The enumeration of a simple type (capped), how many it has, and a value it accepts."""
    if simple is None:
        return (), 0, None
    enumeration = [str(v) for v in (getattr(simple, "enumeration", None) or ())]
    values = tuple(enumeration[:VALUES_SHOWN])
    if not budget.limits.samples:  # each candidate runs the type's facets: UBL's show took 3 s more
        return values, len(enumeration), None
    tried = [t for t in (fixed, budget.hints.get(path), *enumeration[:1], default) if t is not None]
    for text in (*tried, *_CANDIDATES):
        if _accepts(simple, text):
            return values, len(enumeration), text
    return values, len(enumeration), fixed if fixed is not None else (enumeration[0] if enumeration else "x")
