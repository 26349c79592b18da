"""The resource form ↔ the API's resource input, both ways, built from the one declaration
of the editable fields (`app.catalog.fields`)."""
from app.catalog.fields import FIELDS, Kind, ResourceField
from app.web import amount_for_input

WEEKDAYS = range(1, 8)


def _count(spec: ResourceField, raw: str):
    """A number typed in the form (hours for HOURS fields), or what an empty field sends."""
    if not raw:
        return spec.blank
    try:
        value = int(raw)
    except ValueError:
        return -1  # refused by the API with a clear message
    return value * 60 if spec.kind is Kind.HOURS and value > 0 else value


def _opening_hours(form) -> list[dict]:
    spans = []
    for day in WEEKDAYS:
        opens, closes = form.get(f"opens_{day}", "").strip(), form.get(f"closes_{day}", "").strip()
        if opens or closes:
            spans.append({"weekday": day, "opens": opens, "closes": closes})
    return spans


def _from_form(spec: ResourceField, form):
    """The input value of one field, None to leave it out."""
    if spec.kind in (Kind.TEXT, Kind.MONEY):
        if spec.form not in form:
            return None
        value = form.get(spec.form, "")
        return spec.blank if value == "" and spec.blank is not None else value
    if spec.kind in (Kind.COUNT, Kind.HOURS):
        return _count(spec, form.get(spec.form, "").strip())
    if spec.kind is Kind.FLAG:
        return form.get(spec.form) == "on"
    if spec.kind is Kind.UNIT:
        return form.get(spec.form) or None
    return _opening_hours(form)


def resource_input(form) -> dict:
    """The form of a resource as the API's input; fields left empty are left out, or sent as
    their declared blank value ("0" for no deposit, 0 for no limit)."""
    values = {spec.api_name: _from_form(spec, form) for spec in FIELDS}
    return {key: value for key, value in values.items() if value is not None}


def _to_form(spec: ResourceField, value):
    if spec.kind is Kind.MONEY:
        return amount_for_input(value["amount"]) if value else ""
    if spec.kind is Kind.HOURS:
        return (value or 0) // 60 or "" if spec.clearable else value // 60
    if spec.kind is Kind.COUNT and spec.clearable:
        return value or ""
    return value


def form_values(resource: dict) -> dict:
    """A resource from the API as the form's values."""
    form = {"kind": resource["kind"]}
    for spec in FIELDS:
        if spec.kind is Kind.OPENING_HOURS:
            for span in resource["openingHours"]:
                form[f"opens_{span['weekday']}"] = span["opens"]
                form[f"closes_{span['weekday']}"] = span["closes"]
        else:
            form[spec.form] = _to_form(spec, resource[spec.api_name])
    return form
