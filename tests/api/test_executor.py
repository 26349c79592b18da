"""The executor's shortcuts (app.api.executor) answer as graphql-core's general path does:
the same data and the same errors (message, path), for values that fit and for those that do
not (a null in a non-null field, a value of the wrong type, an attribute that raises, an
object of the wrong type in a list)."""
import enum
from typing import Optional

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.api.executor import Executor
from graphql import execute, parse


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Leaf:
    name: str
    size: Optional[int]
    colour: Colour


@strawberry.type
class Other:
    name: str


class Broken:
    """Reads as a Leaf whose name raises."""

    size = 1
    colour = Colour.RED

    @property
    def name(self):
        raise ValueError("no name")


@strawberry.type
class Item:
    leaf: Leaf
    maybe: Optional[Leaf]


@strawberry.type
class Query:
    items: list[Item]
    optional_items: list[Optional[Item]]
    title: str
    count: int


def good_leaf(i: int) -> Leaf:
    return Leaf(name=f"leaf {i}", size=i if i % 2 else None, colour=Colour.GREEN)


ROOTS = {
    "fits": Query(items=[Item(leaf=good_leaf(i), maybe=good_leaf(i) if i else None) for i in range(3)],
                  optional_items=[None, Item(leaf=good_leaf(5), maybe=None)], title="t", count=3),
    "null in a non-null field": Query(items=[Item(leaf=Leaf(name=None, size=1, colour=Colour.RED), maybe=None)],
                                      optional_items=[Item(leaf=Leaf(name=None, size=1, colour=Colour.RED), maybe=None)],
                                      title=None, count=1),
    "wrong types": Query(items=[Item(leaf=Leaf(name="a", size="many", colour="blue"), maybe=Other(name="o"))],
                         optional_items=[Item(leaf=good_leaf(1), maybe=Leaf(name="b", size="x", colour=Colour.RED))],
                         title=["not", "a", "string"], count="three"),
    "raising attributes": Query(items=[Item(leaf=Broken(), maybe=Broken())],
                                optional_items=[Item(leaf=Broken(), maybe=None), Item(leaf=good_leaf(1), maybe=Broken())],
                                title="t", count=0),
}
QUERIES = [
    "{ title count items { leaf { name size colour } maybe { name size colour } } }",
    "{ optionalItems { leaf { name size colour } maybe { name colour } } }",
    "{ items { leaf { __typename n: name } } optionalItems { maybe { ... on Leaf { size } } } }",
]
SCHEMA = strawberry.Schema(query=Query)


def run(query: str, root, executor) -> tuple:
    result = execute(SCHEMA._schema, parse(query), root_value=root, executor_class=executor)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("root", list(ROOTS), ids=list(ROOTS))
@pytest.mark.parametrize("query", QUERIES)
def test_shortcuts_answer_as_the_general_path(root, query):
    assert run(query, ROOTS[root], Executor) == run(query, ROOTS[root], StrawberryGraphQLCoreExecutionContext)


def test_the_roots_exercise_errors_through_the_shortcuts():
    # Every query on every root, so that this test does not depend on which others ran
    # before it in the same worker (an error stops its object's later fields: `maybe`).
    for name, root in ROOTS.items():
        errors = [run(query, root, Executor)[1] for query in QUERIES]
        assert any(errors) == (name != "fits"), name
    leaf, item = SCHEMA._schema.get_type("Leaf"), SCHEMA._schema.get_type("Item")
    assert Executor._basic[id(leaf.fields["name"])][1].name == "name"
    assert Executor._basic[id(item.fields["maybe"])][1].is_object


def test_an_object_of_basic_fields_is_answered_by_its_plan():
    planned = []

    class Recording(Executor):
        def _make_plan(self, object_type, field_details_list):
            plan = super()._make_plan(object_type, field_details_list)
            planned.append((object_type.name, plan is not None))
            return plan

    assert run(QUERIES[0], ROOTS["fits"], Recording) == run(QUERIES[0], ROOTS["fits"], StrawberryGraphQLCoreExecutionContext)
    assert ("Item", True) in planned and ("Leaf", True) in planned
