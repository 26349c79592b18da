"""graphql-core's execution with shortcuts for the commonest fields of a list: those that
strawberry reads straight off their object (a "basic" field: no resolver, no extension, no
argument), such as a resource's `title` or an edge's `node`, and the objects of a list.

graphql-core gives every field the same treatment: a resolve info object, its arguments, the
resolver, then the completion of the value through its wrappers (non-null, leaf, object). For
a page of 50 resources that was most of the request. The shortcut reads the attribute as
strawberry's resolver of a basic field does (its default resolver, without info), then
coerces a scalar or executes an object's fields as completion would. Anything else (a null,
a value of the wrong type, an error) takes graphql-core's general path, which reads the
attribute again and reports the problem where graphql-core would; an error below an object is
handled as graphql-core handles it.

An object whose selected fields are all basic (an edge and its node, on a page of plain
fields) goes further: its fields are read by a plan made once per selection, into the answer's
dict, without a call of execute_field (its path, its lookups) for each field. Any field that
does not fit sends the whole object to the general path."""
from typing import Any, NamedTuple, Optional

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from graphql import GraphQLField, GraphQLID, GraphQLNonNull, GraphQLObjectType, GraphQLString, Undefined, is_leaf_type


class _Basic(NamedTuple):
    """How to read a basic field: strawberry's default resolver and the attribute's name, and
    the field's scalar, enum or object type."""

    resolve: Any
    name: str
    named_type: Any
    is_object: bool
    non_null: bool
    is_text: bool  # String or ID: a str is its own answer


_GENERAL = object()  # a field without the shortcut


class Executor(StrawberryGraphQLCoreExecutionContext):
    # id(GraphQLField) -> (the field, its _Basic or _GENERAL); a GraphQLField is not hashable.
    # Holding the field keeps its id from being reused by another schema's field.
    _basic: dict[int, tuple[GraphQLField, Any]] = {}

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list, path, position_context):
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)  # None for __typename: the general path
        basic = _GENERAL if field_def is None else self._basic_of(field_def)
        if basic is not _GENERAL and not node.arguments:
            try:
                value = basic.resolve(source, basic.name)
            except Exception:  # noqa: BLE001  (the general path reports it)
                value = None
            if value is not None:
                if basic.is_object:
                    is_type_of = basic.named_type.is_type_of
                    if is_type_of is None or is_type_of(value, None):
                        return self._object_fields(basic.named_type, field_def.type, field_details_list, path, value,
                                                   position_context)
                else:
                    coerced = _coerced(basic.named_type, value)
                    if coerced is not None:
                        return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def complete_list_item_value(self, item, complete_results, item_type, field_details_list, info, item_path,
                                 position_context) -> bool:
        """An object of a list (an edge of a page) goes straight to its fields."""
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if item is not None and isinstance(object_type, GraphQLObjectType) and \
                (object_type.is_type_of is None or object_type.is_type_of(item, info) is True):
            complete_results.append(
                self._object_fields(object_type, item_type, field_details_list, item_path, item, position_context)
            )
            return False
        return super().complete_list_item_value(item, complete_results, item_type, field_details_list, info, item_path,
                                                position_context)

    def _object_fields(self, object_type, return_type, field_details_list, path, value, position_context):
        """The object's selected fields, and an error among them handled as graphql-core's
        execute_field handles it (null for a nullable field, else raised to the parent)."""
        plan = self._plan(object_type, field_details_list)
        if plan is not None:
            answer = _planned(plan, value)
            if answer is not None:
                return answer
        try:
            return self.collect_and_execute_subfields(object_type, field_details_list, path, value, position_context)
        except Exception as raw_error:  # noqa: BLE001  (as graphql-core's execute_field)
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _basic_of(self, field_def: GraphQLField) -> Any:
        entry = self._basic.get(id(field_def))
        if entry is None:
            entry = self._basic[id(field_def)] = (field_def, _basic_field(field_def) or _GENERAL)
        return entry[1]

    def _plan(self, object_type: GraphQLObjectType, field_details_list) -> Optional[list]:
        """[(response name, _Basic or None for __typename, the sub-plan of an object field or
        the type's name)] when every field selected on the object is basic, without arguments,
        and so on down; else None. Made once per selection and execution, as graphql-core
        collects an object's subfields once for the items of a list."""
        plans = self.__dict__.setdefault("_plans", {})
        key = (object_type, id(field_details_list))
        cached = plans.get(key)
        if cached is None:
            cached = plans[key] = (field_details_list, self._make_plan(object_type, field_details_list))
        return cached[1]

    def _make_plan(self, object_type: GraphQLObjectType, field_details_list) -> Optional[list]:
        grouped, defer_usages, forbidden = self.collect_subfields(object_type, field_details_list)
        if defer_usages or forbidden:
            return None
        plan = []
        for response_name, details in grouped.items():
            node = details[0].node
            if node.name.value == "__typename":
                plan.append((response_name, None, object_type.name))
                continue
            field_def = object_type.fields.get(node.name.value)
            basic = _GENERAL if field_def is None or node.arguments else self._basic_of(field_def)
            if basic is _GENERAL:
                return None
            sub_plan = self._plan(basic.named_type, details) if basic.is_object else None
            if basic.is_object and sub_plan is None:
                return None
            plan.append((response_name, basic, sub_plan))
        return plan


def _planned(plan: list, source: Any) -> Optional[dict]:
    """The object's answer by its plan, or None where the general path must answer (a null in
    a non-null field, a value that does not fit its type, an attribute that raises)."""
    answer = {}
    for response_name, basic, sub_plan in plan:
        if basic is None:
            answer[response_name] = sub_plan  # __typename: the type's name
            continue
        try:
            value = basic.resolve(source, basic.name)
        except Exception:  # noqa: BLE001  (the general path reports it)
            return None
        if value is None:
            if basic.non_null:
                return None
        elif basic.is_text and type(value) is str:
            pass
        elif basic.is_object:
            is_type_of = basic.named_type.is_type_of
            if is_type_of is not None and not is_type_of(value, None):
                return None
            value = _planned(sub_plan, value)
            if value is None:
                return None
        else:
            value = _coerced(basic.named_type, value)
            if value is None:
                return None
        answer[response_name] = value
    return answer


def _coerced(leaf, value) -> Optional[Any]:
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:  # noqa: BLE001  (the general path reports it)
        return None
    return None if coerced is Undefined else coerced


def _basic_field(field_def: GraphQLField) -> Optional[_Basic]:
    """How to read a field that strawberry resolves as a basic field (its resolver calls the
    default resolver, without info), if it is a scalar, an enum or an object whose type check
    is strawberry's own (which takes no info either)."""
    field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if getattr(field_def.resolve, "__name__", None) != "_get_basic_result" or field is None or field_def.args:
        return None
    non_null = isinstance(field_def.type, GraphQLNonNull)
    named = field_def.type.of_type if non_null else field_def.type
    if is_leaf_type(named):
        return _Basic(field.default_resolver, field.python_name, named, False, non_null, named in (GraphQLString, GraphQLID))
    if isinstance(named, GraphQLObjectType) and \
            (named.is_type_of is None or named.is_type_of.__qualname__.startswith("GraphQLCoreConverter.")):
        return _Basic(field.default_resolver, field.python_name, named, True, non_null, False)
    return None
