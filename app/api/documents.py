"""GraphQL documents, parsed and validated once per text.

Validating a page's operation takes milliseconds (5 ms for the home page's), more than running
it; the text of a request decides both results, so each text is parsed and validated once and
kept. GraphQL's rules and the depth and alias limits are fixed sets built once: the result of
validation depends on the text alone. What depends on the request (its variables, and the
caller's budget and rights: app.api.limits) is checked on every request, never cached.

Two stores: the named operations of the pages (graphql/operations, parsed at start and never
evicted) and a bounded LRU for the texts clients send, so that a client sending endless new
texts only evicts its own."""
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import validate_document

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules

OPERATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "graphql" / "operations"

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000
CACHE_SIZE = 256

RULES = (*specified_rules, depth_rule(MAX_DEPTH, None), aliases_rule(MAX_ALIASES))


class Document:
    """One text, parsed; validated against a schema on first use."""

    __slots__ = ("node", "_schema", "_errors")

    def __init__(self, node: DocumentNode):
        self.node = node
        self._schema: Optional[GraphQLSchema] = None
        self._errors: list[GraphQLError] = []

    def validation_errors(self, schema: GraphQLSchema) -> list[GraphQLError]:
        # Two threads may validate the same new text at once: both get the same answer.
        if self._schema is not schema:
            self._errors = validate_document(schema, self.node, RULES)
            self._schema = schema
        return self._errors


class Documents:
    def __init__(self, maxsize: int = CACHE_SIZE):
        self.maxsize = maxsize
        self._named: dict[str, Document] = {}
        self._sources: dict[str, str] = {}
        self._recent: OrderedDict[str, Document] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> Document:
        """The document of a text; a GraphQLError if it does not parse (or has too many tokens)."""
        document = self._named.get(text)
        if document is not None:
            return document
        with self._lock:
            document = self._recent.get(text)
            if document is not None:
                self._recent.move_to_end(text)
                return document
        document = Document(parse(text, max_tokens=MAX_TOKENS))
        with self._lock:
            self._recent[text] = document
            if len(self._recent) > self.maxsize:
                self._recent.popitem(last=False)
        return document

    def load_operations(self, directory: Path = OPERATIONS_DIR) -> None:
        """Parse every named operation of the pages (once per process)."""
        if self._sources:
            return
        sources = {path.stem: path.read_text() for path in sorted(directory.glob("*.graphql"))}
        self._named = {text: Document(parse(text, max_tokens=MAX_TOKENS)) for text in sources.values()}
        self._sources = sources

    def source(self, name: str) -> str:
        """The text of graphql/operations/<name>.graphql."""
        self.load_operations()
        return self._sources[name]


documents = Documents()
