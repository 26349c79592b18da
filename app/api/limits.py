"""What one request may ask, checked before GraphQL's validation and before anything runs:

- its **cost**: each field costs 1 (or its weight, for resolvers that compute: a calendar,
  a free slot), a field with `first` multiplies what it selects by `first` (its default page
  size when absent), any other list by an estimate; fragments are costed once each. The
  budget is lower for anonymous clients. Over budget: a top-level error with code
  `QUERY_TOO_COSTLY`, the cost and the budget in its extensions;
- its **inputs**, literals and variables alike: every list at most MAX_LIST_ITEMS long, every
  string at most MAX_STRING_LENGTH characters (or the allowance of a named long field), no
  control character but tab and line breaks, and nesting at most MAX_INPUT_DEPTH deep.
  Otherwise a top-level `INVALID` error;
- **introspection** (`__schema`, `__type`): signed-in clients only, unless PUBLIC_GRAPHQL_IDE.
"""
from contextlib import ExitStack
from typing import Any, Iterator, Mapping, Optional

from flask import current_app

from app.api.throttle import Busy, gate_directory, one_at_a_time
from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

DEFAULT_PAGE_SIZE = 20  # app.api.relay.check_first's default
MAX_PAGE_SIZE = 100
LIST_ESTIMATE = 10  # a list without `first` (photos, opening hours, notices...)
# Lists known to run longer: a calendar over weeks has a few periods a day.
LIST_ESTIMATES = {("Resource", "availability"): 100}

# Resolvers that compute rather than read a column: (type, field) -> cost of one call. One
# unit is about one field resolved (tens of microseconds); a free-slot search over 60 days
# takes a few milliseconds.
WEIGHTS = {
    ("Resource", "availability"): 50,
    ("Resource", "nextFreeSlot"): 100,
    ("Query", "bookingSeriesPreview"): 100,
    ("Query", "ledgerSummary"): 20,
    ("Query", "impactReport"): 50,
    ("Query", "proposeClearing"): 100,
    ("Mutation", "proposeClearing"): 200,
}

# The costliest page of the hub, the owner's desk (ManagedBookings: six lists of bookings),
# costs about 36,000: a member's budget leaves room for it; an anonymous client's stays small.
SIGNED_IN_BUDGET = 50_000
ANONYMOUS_BUDGET = 4_000

MAX_LIST_ITEMS = 100
MAX_STRING_LENGTH = 2_000
MAX_INPUT_DEPTH = 12
# Input fields that carry more than a line or two: name -> the longest accepted.
LONG_STRINGS = {"description": 20_000, "data": 7_500_000, "photos": 7_500_000}
# Control characters refused in any string: all but tab, line feed and carriage return.
CONTROL = frozenset(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


class RequestRefused(GraphQLError):
    def __init__(self, message: str, code: str, **extensions):
        super().__init__(message, extensions={"code": code, **extensions})


# --- Cost --------------------------------------------------------------------------------------


class _Coster:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]):
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.fragment_costs: dict[str, int] = {}
        self.visiting: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        return self.selections(operation.selection_set, root) if root else 0

    def selections(self, selection_set: Optional[SelectionSetNode], parent: Optional[GraphQLNamedType]) -> int:
        if selection_set is None or parent is None:
            return 0
        total = 0
        for selection in selection_set.selections or ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        """Each fragment is costed once, however often it is spread (no exponential blow-up)."""
        if name in self.fragment_costs:
            return self.fragment_costs[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:  # unknown or cyclic: validation reports it
            return 0
        self.visiting.add(name)
        cost = self.selections(definition.selection_set, self.schema.get_type(definition.type_condition.name.value))
        self.visiting.discard(name)
        self.fragment_costs[name] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if name.startswith("__"):  # introspection: in memory, bounded by the depth limit
            return 1 + self.selections(node.selection_set, self._field_type(parent, name))
        field_type = self._field_type(parent, name)
        inner = self.selections(node.selection_set, field_type)
        weight = WEIGHTS.get((parent.name, name), 1)
        return weight + self._multiplier(node, parent, name) * inner

    def _field_type(self, parent: GraphQLNamedType, name: str) -> Optional[GraphQLNamedType]:
        if name == "__schema":
            return self.schema.get_type("__Schema")
        if name == "__type":
            return self.schema.get_type("__Type")
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return None
        definition = parent.fields.get(name)
        return get_named_type(definition.type) if definition else None

    def _multiplier(self, node: FieldNode, parent: GraphQLNamedType, name: str) -> int:
        definition = parent.fields.get(name) if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)) else None
        if definition is None:
            return 1
        if "first" in definition.args:
            return self._first(node)
        if name in ("edges", "nodes") and "pageInfo" in parent.fields:
            return 1  # the connection's `first` already counted them
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            return LIST_ESTIMATES.get((parent.name, name), LIST_ESTIMATE)
        return 1

    def _first(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                value = self.variables.get(value.name.value)
            elif isinstance(value, IntValueNode):
                value = int(value.value)
            else:
                value = None
            if isinstance(value, int) and not isinstance(value, bool):
                return min(max(value, 0), MAX_PAGE_SIZE)  # beyond: refused as INVALID anyway
            return DEFAULT_PAGE_SIZE
        return DEFAULT_PAGE_SIZE


def query_cost(schema: GraphQLSchema, document: DocumentNode, variables: Optional[Mapping[str, Any]],
               operation_name: Optional[str] = None) -> int:
    """The cost of the operation that would run (the only one, or the named one)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    coster = _Coster(schema, document, variables or {})
    return max((coster.operation(o) for o in operations), default=0)


# --- Inputs ------------------------------------------------------------------------------------


def _string_problem(text: str, limit: int) -> Optional[str]:
    if len(text) > limit:
        return f"A text argument is at most {limit} characters."
    if not CONTROL.isdisjoint(text):
        return "Text arguments cannot contain control characters."
    return None


def input_problems(value: Any, key: Optional[str] = None, depth: int = 0) -> Iterator[str]:
    """What is wrong with a JSON value of the variables (recursive, depth-bounded)."""
    if depth > MAX_INPUT_DEPTH:
        yield f"Inputs nest at most {MAX_INPUT_DEPTH} levels deep."
        return
    if isinstance(value, str):
        problem = _string_problem(value, LONG_STRINGS.get(key or "", MAX_STRING_LENGTH))
        if problem:
            yield problem
    elif isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            yield f"A list argument has at most {MAX_LIST_ITEMS} items."
            return
        for item in value:
            yield from input_problems(item, key, depth + 1)
    elif isinstance(value, dict):
        if len(value) > MAX_LIST_ITEMS:
            yield f"An input object has at most {MAX_LIST_ITEMS} fields."
            return
        for name, item in value.items():
            yield from _key_problems(name)
            yield from input_problems(item, name, depth + 1)


def _key_problems(name: Any) -> Iterator[str]:
    if isinstance(name, str) and _string_problem(name, 100):
        yield "Input field names are short plain names."


def literal_problems(node: Any, key: Optional[str] = None) -> Iterator[str]:
    """The same rules for the values written in the document."""
    if isinstance(node, StringValueNode):
        problem = _string_problem(node.value, LONG_STRINGS.get(key or "", MAX_STRING_LENGTH))
        if problem:
            yield problem
    elif isinstance(node, ListValueNode):
        if len(node.values or ()) > MAX_LIST_ITEMS:
            yield f"A list argument has at most {MAX_LIST_ITEMS} items."
            return
        for item in node.values or ():
            yield from literal_problems(item, key)
    elif isinstance(node, ObjectValueNode):
        for field in node.fields or ():
            yield from literal_problems(field.value, field.name.value)
    elif isinstance(node, (IntValueNode, BooleanValueNode, VariableNode)):
        return


def _document_literals(document: DocumentNode) -> Iterator[tuple[Any, str]]:
    """Every argument value and variable default of the document, with its name."""
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, OperationDefinitionNode):
            for definition in node.variable_definitions or ():
                if definition.default_value is not None:
                    yield definition.default_value, definition.variable.name.value
        for argument in getattr(node, "arguments", None) or ():
            yield argument.value, argument.name.value
        for directive in getattr(node, "directives", None) or ():
            stack.append(directive)
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections or ())


def introspects(document: DocumentNode) -> bool:
    """Whether the document asks for the schema itself (`__schema`, `__type`)."""
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode) and node.name.value in ("__schema", "__type"):
            return True
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections or ())
    return False


def request_problems(document: DocumentNode, variables: Optional[Mapping[str, Any]]) -> Optional[str]:
    for value, name in _document_literals(document):
        for problem in literal_problems(value, name):
            return problem
    for problem in input_problems(dict(variables or {})):
        return problem
    return None


# --- Every request ------------------------------------------------------------------------------


def refusals(
    schema: GraphQLSchema, document: DocumentNode, variables: Optional[Mapping[str, Any]],
    operation_name: Optional[str], context: Any, turn: ExitStack,
) -> list[GraphQLError]:
    """The request's inputs, rights and cost, checked on every request (app.api.execution) before
    anything executes; then an anonymous client of /graphql waits for its turn (app.api.throttle),
    held in `turn` until the answer, when its request costs more than a public page."""
    variables = variables if isinstance(variables, Mapping) else {}
    problem = request_problems(document, variables)
    if problem:
        return [RequestRefused(problem, "INVALID")]
    viewer = context.viewer
    if viewer is None and not current_app.config.get("PUBLIC_GRAPHQL_IDE") and introspects(document):
        return [RequestRefused("Sign in to explore the schema (or read graphql/schema.graphql).", "UNAUTHENTICATED")]
    budget = SIGNED_IN_BUDGET if viewer is not None else ANONYMOUS_BUDGET
    cost = query_cost(schema, document, variables, operation_name)
    if cost > budget:
        return [RequestRefused(
            f"This query costs {cost}, more than the {budget} allowed per request"
            + (" to anonymous clients: sign in, or ask for less." if viewer is None else ": ask for less at once."),
            "QUERY_TOO_COSTLY", cost=cost, budget=budget,
        )]
    return _wait_turn(cost, context, turn)


def _wait_turn(cost: int, context: Any, turn: ExitStack) -> list[GraphQLError]:
    """A request cheaper than ANONYMOUS_API_GATE_MIN_COST takes no more of the server than a
    public page does, and pages are not gated: it runs at once."""
    address = context.gated_address
    config = current_app.config
    if address is None or cost < config["ANONYMOUS_API_GATE_MIN_COST"]:
        return []
    try:
        turn.enter_context(one_at_a_time(gate_directory(config["DATABASE_URL"]), address, config["ANONYMOUS_API_WAIT_SECONDS"]))
    except Busy:
        context.response.status_code = 429
        context.response.headers["Retry-After"] = "1"
        return [RequestRefused(
            "Too many requests at once from your address: wait for the previous answer, or sign in.", "RATE_LIMITED"
        )]
    return []
