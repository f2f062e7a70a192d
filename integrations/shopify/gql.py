"""A small GraphQL reader shared by the Shopify client (to size its pages by query cost) and the
Shopify sandbox (to recognise operations, resolve variables and answer only the selected fields).

Supported: one operation per document (``query``/``mutation``, named or anonymous, with variable
definitions and defaults), aliases, arguments (variables, strings, numbers, booleans, null, enums,
lists, input objects), directives (kept, e.g. ``@idempotent(key: ...)``), inline fragments and
named fragments. Not supported: subscriptions, block strings, type checking of variables.

Cost follows Shopify's published rules: scalars and enums 0, objects 1, connections (a field
with ``first``/``last``) 2 plus the page size times the cost of one node, mutations 10.
"""

import json
import re
from dataclasses import dataclass, field

MAX_PAGE = 250
MUTATION_COST = 10

_TOKEN = re.compile(r'''
    (?P<skip>[\s,]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[{}():\[\]!$@=|])
  | (?P<string>"(?:\\.|[^"\\])*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
''', re.VERBOSE)


class GraphQLSyntaxError(ValueError):
    pass


@dataclass
class Var:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None = None
    args: dict = field(default_factory=dict)
    directives: list = field(default_factory=list)  # [(name, args)]
    selections: list | None = None  # None for a scalar leaf
    on_type: str | None = None  # set on fields that came from an inline fragment ``... on Type``

    @property
    def key(self):
        return self.alias or self.name


@dataclass
class Operation:
    kind: str  # query or mutation
    name: str
    variable_defaults: dict
    selections: list


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise GraphQLSyntaxError(f"Parse error on {text[pos:pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup
        if kind != "skip":
            out.append((kind, match.group()))
    out.append(("eof", ""))
    return out


class _Parser:
    def __init__(self, text):
        self.tokens = _tokens(text)
        self.i = 0
        self.fragments = {}

    def peek(self, value=None):
        kind, text = self.tokens[self.i]
        return text == value if value is not None else (kind, text)

    def take(self, value=None):
        kind, text = self.tokens[self.i]
        if value is not None and text != value:
            raise GraphQLSyntaxError(f"Parse error on {text!r}: expected {value!r}")
        if kind == "eof":
            raise GraphQLSyntaxError("Parse error: unexpected end of document")
        self.i += 1
        return text

    def document(self):
        operations = []
        while self.peek()[0] != "eof":
            if self.peek("fragment"):
                self.take()
                name = self.take()
                self.take("on")
                on_type = self.take()
                self.fragments[name] = (on_type, self.selection_set())
            else:
                operations.append(self.operation())
        if len(operations) != 1:
            raise GraphQLSyntaxError("Send exactly one operation per document.")
        operation = operations[0]
        operation.selections = self.expand(operation.selections)
        return operation

    def operation(self):
        kind, name, defaults = "query", "", {}
        if self.peek("query") or self.peek("mutation"):
            kind = self.take()
            if self.peek()[0] == "name":
                name = self.take()
            if self.peek("("):
                self.take("(")
                while not self.peek(")"):
                    self.take("$")
                    var = self.take()
                    self.take(":")
                    self.type_ref()
                    if self.peek("="):
                        self.take()
                        defaults[var] = self.value()
                    while self.peek("@"):
                        self.directive()
                self.take(")")
        elif self.peek("subscription"):
            raise GraphQLSyntaxError("Subscriptions are not supported.")
        return Operation(kind=kind, name=name, variable_defaults=defaults, selections=self.selection_set())

    def type_ref(self):
        if self.peek("["):
            self.take()
            self.type_ref()
            self.take("]")
        else:
            self.take()
        if self.peek("!"):
            self.take()

    def selection_set(self):
        self.take("{")
        out = []
        while not self.peek("}"):
            if self.peek("..."):
                self.take()
                if self.peek("on"):
                    self.take()
                    on_type = self.take()
                    out.append(("inline", on_type, self.selection_set()))
                else:
                    out.append(("spread", self.take()))
            else:
                out.append(self.field())
        self.take("}")
        return out

    def field(self):
        name = self.take()
        alias = None
        if self.peek(":"):
            self.take()
            alias, name = name, self.take()
        args = self.arguments() if self.peek("(") else {}
        directives = []
        while self.peek("@"):
            directives.append(self.directive())
        selections = self.selection_set() if self.peek("{") else None
        return Field(name=name, alias=alias, args=args, directives=directives, selections=selections)

    def directive(self):
        self.take("@")
        name = self.take()
        return name, (self.arguments() if self.peek("(") else {})

    def arguments(self):
        self.take("(")
        args = {}
        while not self.peek(")"):
            name = self.take()
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self):
        kind, text = self.peek()
        if text == "$":
            self.take()
            return Var(self.take())
        if text == "[":
            self.take()
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            self.take()
            obj = {}
            while not self.peek("}"):
                key = self.take()
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        self.take()
        if kind == "string":
            return json.loads(text)
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        return {"true": True, "false": False, "null": None}.get(text, text)

    def expand(self, selections, on_type=None, depth=0):
        """Inline named fragments and inline fragments into plain field lists."""
        if depth > 20:
            raise GraphQLSyntaxError("Fragments nest too deeply.")
        out = []
        for item in selections:
            if isinstance(item, Field):
                if item.selections is not None:
                    item.selections = self.expand(item.selections, depth=depth + 1)
                if on_type and item.on_type is None:
                    item.on_type = on_type
                out.append(item)
            elif item[0] == "inline":
                out.extend(self.expand(item[2], on_type=item[1], depth=depth + 1))
            else:
                if item[1] not in self.fragments:
                    raise GraphQLSyntaxError(f"Fragment {item[1]} was used, but not defined")
                frag_type, frag_selections = self.fragments[item[1]]
                out.extend(self.expand(frag_selections, on_type=frag_type, depth=depth + 1))
        return out


def parse(text) -> Operation:
    if not isinstance(text, str) or not text.strip():
        raise GraphQLSyntaxError("No query string was present")
    return _Parser(text).document()


def resolve(value, variables, defaults=None):
    """Replace variables in an argument value with what the request sent."""
    if isinstance(value, Var):
        if value.name in variables:
            return variables[value.name]
        return (defaults or {}).get(value.name)
    if isinstance(value, list):
        return [resolve(v, variables, defaults) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, variables, defaults) for k, v in value.items()}
    return value


def resolved_args(fld, variables, defaults=None):
    return {name: resolve(value, variables, defaults) for name, value in fld.args.items()}


_WRAPPERS = {"edges", "node", "nodes", "pageInfo"}


def selection_cost(selections, variables, defaults=None):
    """Requested cost of a selection set, by Shopify's rules."""
    total = 0
    for fld in selections or ():
        if fld.selections is None:
            continue
        args = resolved_args(fld, variables, defaults)
        page = args.get("first") or args.get("last")
        inner = selection_cost(fld.selections, variables, defaults)
        if fld.name == "nodes" and isinstance(args.get("ids"), list):
            total += len(args["ids"]) * (1 + inner)
        elif fld.name in ("nodes", "node"):
            total += 1 + inner
        elif fld.name in _WRAPPERS:
            total += inner if fld.name != "pageInfo" else 0
        elif isinstance(page, int):
            total += 2 + page * inner
        else:
            total += 1 + inner
    return total


def requested_cost(operation, variables):
    if operation.kind == "mutation":
        return MUTATION_COST * len(operation.selections)
    return selection_cost(operation.selections, variables, operation.variable_defaults)


def largest_page(query, variables, *, page_variable="first", max_cost=1000, maximum=MAX_PAGE):
    """The largest ``first`` whose requested cost stays within ``max_cost`` (at most 250)."""
    operation = parse(query)
    if page_variable == "ids":  # a nodes(ids:) lookup: the page is the number of ids
        one = requested_cost(operation, {**variables, page_variable: ["x"]})
        two = requested_cost(operation, {**variables, page_variable: ["x", "y"]})
    else:
        one = requested_cost(operation, {**variables, page_variable: 1})
        two = requested_cost(operation, {**variables, page_variable: 2})
    per_node, base = max(two - one, 1), one - max(two - one, 1)
    return max(1, min(maximum, (max_cost - base) // per_node))
