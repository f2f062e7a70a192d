"""Checks every GraphQL request of the Shopify sandbox against Shopify's published Admin schema of
the requested API version, before anything runs, and answers the problems as Shopify does.

Schemas: ``schema/admin_<version>.json.gz`` (introspection JSON published by Shopify, see
``schema/README.md``). Versions served: ``SERVED_VERSIONS``; any other requested version (one past
Shopify's 12-month support window, an unknown one, ``unstable``) is answered by the oldest served
version, as Shopify answers an unsupported version with the oldest supported one
(https://shopify.dev/docs/api/usage/versioning), and ``X-Shopify-API-Version`` names the version used.

Answers: HTTP 200, ``{"errors": [...]}`` and no ``data``, one entry per problem with ``message``,
``locations``, ``path`` (field problems) and ``extensions.code``. Shopify's GraphQL server is
graphql-ruby; the codes and the wording of the common messages follow it:

- a field the type lacks: ``Field 'x' doesn't exist on type 'T'`` (``undefinedField``, with
  ``typeName`` and ``fieldName``);
- an argument the field lacks: ``Field 'x' doesn't accept argument 'y'`` (``argumentNotAccepted``);
- a required argument left out: ``Field 'x' is missing required arguments: y``
  (``missingRequiredArguments``);
- a variable that does not fit its type (an input field the version does not have, a null where a
  value is required, a wrong scalar or enum value): ``Variable $input of type T! was provided invalid
  value for a.b (Field is not defined on T)`` (``INVALID_VARIABLE``, with ``value`` and
  ``problems: [{path, explanation}]``), as seen in answers of Shopify's Admin API quoted in public
  issue threads.

Assumed (not seen in a Shopify answer): the codes of the rarer rules (``RULE_CODES``), whose
messages keep graphql-core's wording; ``PARSE_ERROR`` for a syntax error.
"""

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

from graphql import (
    GraphQLError,
    GraphQLNonNull,
    GraphQLSyntaxError,
    build_client_schema,
    is_input_type,
    parse,
    specified_rules,
    type_from_ast,
    validate,
)
from graphql.language import FieldNode, FragmentDefinitionNode, InlineFragmentNode, OperationDefinitionNode
from graphql.utilities import validate_input_value

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SERVED_VERSIONS = ("2026-01", "2026-10")
OLDEST_SERVED = SERVED_VERSIONS[0]

# graphql-core rule -> graphql-ruby's error code
RULE_CODES = {
    "FieldsOnCorrectTypeRule": "undefinedField",
    "KnownArgumentNamesRule": "argumentNotAccepted",
    "ProvidedRequiredArgumentsRule": "missingRequiredArguments",
    "KnownTypeNamesRule": "undefinedType",
    "KnownDirectivesRule": "undefinedDirective",
    "ScalarLeafsRule": "selectionMismatch",
    "NoUnusedVariablesRule": "variableNotUsed",
    "NoUndefinedVariablesRule": "variableNotDefined",
    "VariablesAreInputTypesRule": "variableRequiresValidType",
    "VariablesInAllowedPositionRule": "variableMismatch",
    "ValuesOfCorrectTypeRule": "argumentLiteralsIncompatible",
    "KnownFragmentNamesRule": "undefinedFragment",
    "NoUnusedFragmentsRule": "useAndDefineFragment",
    "UniqueArgumentNamesRule": "argumentNotUnique",
    "UniqueVariableNamesRule": "variableNotUnique",
    "LoneAnonymousOperationRule": "anonymousOperationNotAlone",
    "UniqueOperationNamesRule": "operationNotUnique",
    "OverlappingFieldsCanBeMergedRule": "fieldConflict",
    "PossibleFragmentSpreadsRule": "cannotSpreadFragment",
    "NoFragmentCyclesRule": "infiniteLoop",
}

_MESSAGES = (
    (re.compile(r"^Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\..*", re.S),
     "Field '{field}' doesn't exist on type '{type}'"),
    (re.compile(r"^Unknown argument '(?P<arg>\w+)' on field '\w+\.(?P<field>\w+)'\..*", re.S),
     "Field '{field}' doesn't accept argument '{arg}'"),
    (re.compile(r"^Unknown argument '(?P<arg>\w+)' on directive '@(?P<field>\w+)'\..*", re.S),
     "Directive '@{field}' doesn't accept argument '{arg}'"),
    (re.compile(r"^Argument '\w+\.(?P<field>\w+)\((?P<arg>\w+):\)' of type .* is required, but it was not provided",
                re.S), "Field '{field}' is missing required arguments: {arg}"),
    (re.compile(r"^Variable '\$(?P<var>\w+)' is never used in operation '(?P<op>\w+)'", re.S),
     "Variable ${var} is declared by {op} but not used"),
    (re.compile(r"^Variable '\$(?P<var>\w+)' is not defined by operation '(?P<op>\w+)'", re.S),
     "Variable ${var} is used by {op} but not declared"),
)


@lru_cache(maxsize=len(SERVED_VERSIONS))
def schema_for(version):
    """The Admin schema of a served ``version``."""
    with gzip.open(SCHEMA_DIR / f"admin_{version}.json.gz", "rt", encoding="utf-8") as handle:
        introspection = json.load(handle)
    return build_client_schema(introspection.get("data", introspection), assume_valid=True)


def served_version(requested):
    """The version that answers a request for ``requested``."""
    return requested if requested in SERVED_VERSIONS else OLDEST_SERVED


def _locations(error):
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or []]


def _paths(document):
    """graphql-ruby's ``path`` of every field node: ``["query Name", "products", "nodes", "id"]``."""
    paths = {}

    def walk(selection_set, path):
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                here = [*path, (selection.alias or selection.name).value]
                paths[id(selection)] = here
                for argument in selection.arguments or ():
                    paths[id(argument)] = here
                walk(selection.selection_set, here)
            elif isinstance(selection, InlineFragmentNode):
                on = f"... on {selection.type_condition.name.value}" if selection.type_condition else "..."
                walk(selection.selection_set, [*path, on])

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            kind = definition.operation.value
            walk(definition.selection_set, [f"{kind} {definition.name.value}" if definition.name else kind])
        elif isinstance(definition, FragmentDefinitionNode):
            walk(definition.selection_set, [f"fragment {definition.name.value}"])
    return paths


def _static_errors(schema, document):
    if not validate(schema, document):  # one pass for all rules; each rule again only to name its code
        return []
    problems, paths = [], None
    for rule in specified_rules:
        for error in validate(schema, document, [rule]):
            message, extensions = error.message, {"code": RULE_CODES.get(rule.__name__, "validationError")}
            for pattern, template in _MESSAGES:
                match = pattern.match(message)
                if match:
                    message = template.format(**match.groupdict())
                    if extensions["code"] == "undefinedField":
                        extensions.update(typeName=match["type"], fieldName=match["field"])
                    break
            entry = {"message": message, "locations": _locations(error)}
            if error.nodes and id(error.nodes[0]) in (paths := paths if paths is not None else _paths(document)):
                entry["path"] = paths[id(error.nodes[0])]
            entry["extensions"] = extensions
            problems.append(entry)
    return problems


def _problem(message, path, enum_values):
    """graphql-core's complaint about a variable value -> graphql-ruby's ``{path, explanation}``."""
    path = list(path)
    if match := re.match(r"^Expected value of type '(?P<type>\w+)' not to include unknown field '(?P<field>\w+)'",
                         message):
        return {"path": [*path, match["field"]], "explanation": f"Field is not defined on {match['type']}"}
    if match := re.match(r"^Expected value of type '\w+' to include required field '(?P<field>\w+)'", message):
        return {"path": [*path, match["field"]], "explanation": "Expected value to not be null"}
    if re.match(r"^Expected value of non-null type .* not to be None", message):
        return {"path": path, "explanation": "Expected value to not be null"}
    if match := re.match(r"^Value '(?P<value>[^']*)' does not exist in '(?P<type>\w+)' enum", message):
        return {"path": path, "explanation": f"Expected \"{match['value']}\" to be one of: "
                                             f"{enum_values(match['type'])}"}
    return {"path": path, "explanation": message.rstrip(".")}


def _variable_errors(schema, operation, variables):
    """Coerce each declared variable; Shopify's ``INVALID_VARIABLE`` entries for those that fail."""
    errors = []

    def enum_values(name):
        return ", ".join(schema.get_type(name).values) if schema.get_type(name) else name

    for definition in operation.variable_definitions or ():
        var_type = type_from_ast(schema, definition.type)
        if var_type is None or not is_input_type(var_type):
            continue  # reported by the static rules
        name = definition.variable.name.value
        problems = []
        if name not in variables or variables[name] is None:
            if isinstance(var_type, GraphQLNonNull) and definition.default_value is None:
                problems.append({"path": [], "explanation": "Expected value to not be null"})
        else:
            validate_input_value(variables[name], var_type,
                                 lambda error, path, found=problems: found.append(_problem(error.message, path,
                                                                                           enum_values)),
                                 True)
        if not problems:
            continue
        message = f"Variable ${name} of type {var_type} was provided invalid value"
        if all(p["path"] for p in problems):
            message += " for " + ", ".join(f"{'.'.join(str(p) for p in problem['path'])} ({problem['explanation']})"
                                            for problem in problems)
        errors.append({"message": message, "locations": _locations(GraphQLError("", definition)),
                       "extensions": {"code": "INVALID_VARIABLE", "value": variables.get(name),
                                      "problems": problems}})
    return errors


@lru_cache(maxsize=256)
def _checked_document(version, query):
    """(document, static errors) of a query text; the same documents come again and again."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return None, [{"message": exc.message, "locations": _locations(exc), "extensions": {"code": "PARSE_ERROR"}}]
    return document, _static_errors(schema_for(version), document)


def request_errors(version, query, variables):
    """Shopify's ``errors`` for this request against the schema of ``version`` (empty when valid)."""
    if not isinstance(query, str) or not query.strip():
        return [{"message": "No query string was present", "extensions": {"code": "PARSE_ERROR"}}]
    if variables is not None and not isinstance(variables, dict):
        return [{"message": "Variables must be an object", "extensions": {"code": "BAD_REQUEST"}}]
    version = served_version(version)
    document, errors = _checked_document(version, query)
    if errors:
        return [dict(error) for error in errors]
    errors = []
    for operation in (d for d in document.definitions if isinstance(d, OperationDefinitionNode)):
        errors.extend(_variable_errors(schema_for(version), operation, variables or {}))
    return errors
