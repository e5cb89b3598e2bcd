"""Matching of IAM policy documents against one request.

This module answers, for a single policy document, whether it explicitly
denies, allows or says nothing about a request. Combining the policy types
(SCP, identity, resource, boundary, session, VPC endpoint, key policy) is in
authorization.py.
"""

import datetime
import ipaddress
import re
from dataclasses import dataclass, field

# Principal match strengths, weakest first. "account" is a statement naming the
# caller's account (root or bare id), which delegates to the account's IAM
# policies instead of granting by itself.
MATCH_ACCOUNT = "account"
MATCH_ROLE = "role"  # the role ARN, or "*"
MATCH_EXACT = "exact"  # the session ARN or the user ARN
_MATCH_RANK = {None: 0, MATCH_ACCOUNT: 1, MATCH_ROLE: 2, MATCH_EXACT: 3}


@dataclass
class PrincipalRef:
    """What a policy's Principal element can name about the caller."""

    account_id: str
    role_arn: str = None  # for sessions of a role, the role's ARN
    exact_arns: tuple = ()  # session ARN or user ARN
    federated: str = None  # OIDC provider ARN, for AssumeRoleWithWebIdentity


@dataclass
class Request:
    action: str
    resource: str
    keys: dict  # lowercased condition key -> list of string values
    principal: PrincipalRef = None


@dataclass
class Outcome:
    denied: bool = False
    allowed: bool = False
    allow_match: str = None  # strongest principal match among Allow statements
    deny_statements: list = field(default_factory=list)


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _glob_regex(pattern, case_sensitive):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def glob_match(pattern, value, case_sensitive=True):
    return _glob_regex(pattern, case_sensitive).fullmatch(value) is not None


_VARIABLE_RE = re.compile(r"\$\{([^}]+)\}")


def substitute_variables(text, keys):
    """Replace ${key} policy variables; an unknown key leaves the text unmatched."""

    def replace(match):
        name = match.group(1)
        if name in ("*", "?", "$"):
            return name
        name, _, default = name.partition(", ")
        values = keys.get(name.lower())
        if values and len(values) == 1:
            return values[0]
        if default:
            return default.strip("'")
        return "\x00unresolved\x00"

    return _VARIABLE_RE.sub(replace, text)


def _values(document, statement, element, keys):
    values = [str(v) for v in _as_list(statement.get(element))]
    if document.get("Version") == "2012-10-17":
        values = [substitute_variables(v, keys) for v in values]
    return values


def _action_matches(statement, action):
    if "Action" in statement:
        return any(glob_match(p, action, case_sensitive=False) for p in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(glob_match(p, action, case_sensitive=False) for p in _as_list(statement["NotAction"]))
    return False


def _resource_matches(document, statement, request):
    if "Resource" in statement:
        return any(glob_match(p, request.resource) for p in _values(document, statement, "Resource", request.keys))
    if "NotResource" in statement:
        return not any(glob_match(p, request.resource) for p in _values(document, statement, "NotResource", request.keys))
    # Trust policies and some key policies omit Resource.
    return True


def _match_one_principal(entry, principal):
    """Return the match strength of one Principal value against the caller."""
    if entry == "*":
        return MATCH_ROLE
    if entry in principal.exact_arns:
        return MATCH_EXACT
    if principal.role_arn and entry == principal.role_arn:
        return MATCH_ROLE
    if entry in (principal.account_id, f"arn:aws:iam::{principal.account_id}:root"):
        return MATCH_ACCOUNT
    return None


def principal_match(principal_element, principal):
    """Return the strongest match of a Principal element, or None."""
    if principal_element == "*":
        return MATCH_ROLE
    if not isinstance(principal_element, dict):
        return None
    best = None
    for entry in _as_list(principal_element.get("AWS")):
        found = _match_one_principal(str(entry), principal)
        if _MATCH_RANK[found] > _MATCH_RANK[best]:
            best = found
    if principal.federated and principal.federated in _as_list(principal_element.get("Federated")):
        best = MATCH_EXACT
    return best


def _statement_principal(statement, principal):
    if "Principal" in statement:
        return principal_match(statement["Principal"], principal)
    if "NotPrincipal" in statement:
        return None if principal_match(statement["NotPrincipal"], principal) else MATCH_ROLE
    return MATCH_ROLE


# Condition operators


def _parse_number(text):
    return float(text)


def _parse_date(text):
    try:
        return float(text)
    except ValueError:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _ip_in(value, cidr):
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _bool_text(value):
    return str(value).lower()


_NUMERIC = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _positive_matcher(operator):
    """Return (match(context_value, policy_value), negated) for an operator name."""
    string_ops = {
        "StringEquals": (lambda c, p: c == p, False),
        "StringNotEquals": (lambda c, p: c == p, True),
        "StringEqualsIgnoreCase": (lambda c, p: c.lower() == p.lower(), False),
        "StringNotEqualsIgnoreCase": (lambda c, p: c.lower() == p.lower(), True),
        "StringLike": (lambda c, p: glob_match(p, c), False),
        "StringNotLike": (lambda c, p: glob_match(p, c), True),
        "ArnEquals": (lambda c, p: glob_match(p, c), False),
        "ArnLike": (lambda c, p: glob_match(p, c), False),
        "ArnNotEquals": (lambda c, p: glob_match(p, c), True),
        "ArnNotLike": (lambda c, p: glob_match(p, c), True),
        "Bool": (lambda c, p: _bool_text(c) == _bool_text(p), False),
        "BinaryEquals": (lambda c, p: c == p, False),
        "IpAddress": (_ip_in, False),
        "NotIpAddress": (_ip_in, True),
    }
    if operator in string_ops:
        return string_ops[operator]
    for family, parse in (("Numeric", _parse_number), ("Date", _parse_date)):
        if operator.startswith(family):
            rest = operator[len(family):]
            negated = rest == "NotEquals"
            compare = _NUMERIC["Equals" if negated else rest]

            def match(c, p, parse=parse, compare=compare):
                try:
                    return compare(parse(c), parse(p))
                except ValueError:
                    return False

            return match, negated
    raise ValueError(f"unsupported condition operator: {operator}")


def _evaluate_operator(full_operator, key, policy_values, keys):
    prefix = None
    operator = full_operator
    if ":" in operator:
        prefix, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    context_values = keys.get(key.lower())
    policy_values = [str(v) if not isinstance(v, bool) else _bool_text(v) for v in _as_list(policy_values)]

    if operator == "Null":
        key_absent = not context_values
        return key_absent == (_bool_text(policy_values[0]) == "true")

    match, negated = _positive_matcher(operator)
    if not context_values:
        if if_exists or prefix == "ForAllValues":
            return True
        if prefix == "ForAnyValue":
            return False
        return negated

    def hits(value):
        return any(match(value, p) for p in policy_values)

    if prefix == "ForAllValues":
        return all((not hits(v)) if negated else hits(v) for v in context_values)
    # Single-valued keys and ForAnyValue: true when some context value satisfies it.
    return any((not hits(v)) if negated else hits(v) for v in context_values)


def conditions_match(document, condition_block, keys):
    """Return True when every operator and key of a Condition block is satisfied."""
    substitute = document.get("Version") == "2012-10-17"
    for operator, entries in (condition_block or {}).items():
        for key, policy_values in entries.items():
            values = _as_list(policy_values)
            if substitute:
                values = [substitute_variables(v, keys) if isinstance(v, str) else v for v in values]
            if not _evaluate_operator(operator, key, values, keys):
                return False
    return True


def statements(document):
    return _as_list((document or {}).get("Statement"))


def evaluate(document, request, check_principal=False):
    """Evaluate one policy document against a request.

    With check_principal, statements must name the caller in Principal or
    NotPrincipal (resource, trust, key and endpoint policies); without it the
    Principal element is ignored (identity policies, SCPs, boundaries,
    session policies).
    """
    outcome = Outcome()
    if not document:
        return outcome
    for statement in statements(document):
        if not _action_matches(statement, request.action):
            continue
        if not _resource_matches(document, statement, request):
            continue
        match = MATCH_ROLE
        if check_principal:
            match = _statement_principal(statement, request.principal)
            if match is None:
                continue
        if not conditions_match(document, statement.get("Condition"), request.keys):
            continue
        if statement.get("Effect") == "Deny":
            outcome.denied = True
            outcome.deny_statements.append(statement.get("Sid", ""))
        elif statement.get("Effect") == "Allow":
            outcome.allowed = True
            if _MATCH_RANK[match] > _MATCH_RANK[outcome.allow_match]:
                outcome.allow_match = match
    return outcome
