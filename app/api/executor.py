"""graphql-core's execution with a shortcut for the commonest fields of a list: those that
strawberry reads straight off their object (a "basic" field: no resolver, no extension, no
argument), such as a resource's `title` or an edge's `node`.

graphql-core gives every field the same treatment: a resolve info object, its arguments, the
resolver, then the completion of the value through its wrappers (non-null, leaf, object). For
a page of 50 resources that was most of the request. The shortcut calls strawberry's resolver
of the basic field (which takes no info), then coerces a scalar or executes an object's
fields as completion would. Anything else (a null, a value of the wrong type, an error) takes
graphql-core's general path, which reads the attribute again and reports the problem where
graphql-core would; an error below an object is handled as graphql-core handles it."""
from typing import Any, Optional

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)

_GENERAL = object()  # a field without the shortcut


class Executor(StrawberryGraphQLCoreExecutionContext):
    # id(GraphQLField) -> its shortcut, or _GENERAL. The schema and its fields live as long as
    # the process (and a GraphQLField is not hashable).
    _shortcuts: dict[int, Any] = {}

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list, path, position_context):
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)  # None for __typename: the general path
        shortcut = self._shortcuts.get(id(field_def)) if field_def is not None else _GENERAL
        if shortcut is None:
            shortcut = self._shortcuts[id(field_def)] = _shortcut(field_def) or _GENERAL
        if shortcut is not _GENERAL and not node.arguments:
            try:
                value = field_def.resolve(source, None)
            except Exception:  # noqa: BLE001  (the general path reports it)
                value = None
            if value is not None:
                if isinstance(shortcut, GraphQLObjectType):
                    if shortcut.is_type_of(value, None):
                        return self._object_fields(shortcut, field_def.type, field_details_list, path, value, position_context)
                else:
                    coerced = _coerced(shortcut, value)
                    if coerced is not None:
                        return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _object_fields(self, object_type, return_type, field_details_list, path, value, position_context):
        """The object's selected fields, and an error among them handled as graphql-core's
        execute_field handles it (null for a nullable field, else raised to the parent)."""
        try:
            return self.collect_and_execute_subfields(object_type, field_details_list, path, value, position_context)
        except Exception as raw_error:  # noqa: BLE001  (as graphql-core's execute_field)
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None


def _coerced(leaf, value) -> Optional[Any]:
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:  # noqa: BLE001  (the general path reports it)
        return None
    return None if coerced is Undefined else coerced


def _shortcut(field_def: GraphQLField):
    """The scalar, enum or object type of a field that strawberry resolves as a basic field
    (its resolver reads the attribute and takes no info), else None. Objects only when their
    type check is strawberry's own (which takes no info either)."""
    if getattr(field_def.resolve, "__name__", None) != "_get_basic_result" or field_def.args:
        return None
    named = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
    if is_leaf_type(named):
        return named
    if isinstance(named, GraphQLObjectType) and named.is_type_of is not None and \
            named.is_type_of.__qualname__.startswith("GraphQLCoreConverter."):
        return named
    return None
