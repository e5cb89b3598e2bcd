"""A small subset of CEL for workload identity provider attribute mappings and conditions.

Supported: `assertion.X`, `assertion['X']`, `attribute.X`, `google.subject`,
string literals in single or double quotes, `true`, `false`, `==`, `!=`,
`&&`, `||`, `!`, parentheses, `+` on strings, `x in ['a', 'b']`, and the
string methods `startsWith`, `endsWith` and `contains`. A claim the token
lacks is MISSING. In CEL reading it is an error, which rejects the
credential, so here every comparison or method call on it is false.
"""

import re

MISSING = object()

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<op>==|!=|&&|\|\||[!()\[\].,+])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)
_METHODS = {
    "startsWith": lambda text, arg: text.startswith(arg),
    "endsWith": lambda text, arg: text.endswith(arg),
    "contains": lambda text, arg: arg in text,
}


class CelError(Exception):
    """An expression outside the supported subset, or a type error while evaluating it."""


def _tokenize(text):
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise CelError(f"unexpected character at offset {position} in {text!r}")
        position = match.end()
        if match.group("string") is not None:
            raw = match.group("string")[1:-1]
            tokens.append(("string", re.sub(r"\\(.)", r"\1", raw)))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
        else:
            tokens.append(("name", match.group("name")))
    return tokens


class _Parser:
    """Recursive-descent parser producing nested tuples that `_evaluate` walks."""

    def __init__(self, text):
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def parse(self):
        node = self._or()
        if self.index != len(self.tokens):
            raise CelError(f"unexpected {self.tokens[self.index][1]!r} in {self.text!r}")
        return node

    def _peek(self, value=None):
        if self.index >= len(self.tokens):
            return None
        token = self.tokens[self.index]
        if value is not None and token[1] != value:
            return None
        return token

    def _expect(self, value):
        if not self._peek(value) or self.tokens[self.index][0] == "string":
            raise CelError(f"expected {value!r} in {self.text!r}")
        self.index += 1

    def _or(self):
        node = self._and()
        while self._peek("||"):
            self.index += 1
            node = ("or", node, self._and())
        return node

    def _and(self):
        node = self._comparison()
        while self._peek("&&"):
            self.index += 1
            node = ("and", node, self._comparison())
        return node

    def _comparison(self):
        node = self._sum()
        token = self._peek()
        if token and token[0] == "op" and token[1] in ("==", "!="):
            self.index += 1
            return (token[1], node, self._sum())
        if token and token == ("name", "in"):
            self.index += 1
            return ("in", node, self._sum())
        return node

    def _sum(self):
        node = self._unary()
        while self._peek("+"):
            self.index += 1
            node = ("+", node, self._unary())
        return node

    def _unary(self):
        if self._peek("!") and self.tokens[self.index][0] == "op":
            self.index += 1
            return ("not", self._unary())
        return self._postfix()

    def _postfix(self):
        node = self._primary()
        while True:
            if self._peek(".") and self.tokens[self.index][0] == "op":
                self.index += 1
                token = self._peek()
                if not token or token[0] != "name":
                    raise CelError(f"expected a name after '.' in {self.text!r}")
                self.index += 1
                if self._peek("("):
                    self.index += 1
                    argument = self._or()
                    self._expect(")")
                    if token[1] not in _METHODS:
                        raise CelError(f"unsupported method {token[1]!r} in {self.text!r}")
                    node = ("call", token[1], node, argument)
                else:
                    node = ("field", node, token[1])
            elif self._peek("[") and self.tokens[self.index][0] == "op":
                self.index += 1
                key = self._or()
                self._expect("]")
                node = ("index", node, key)
            else:
                return node

    def _primary(self):
        token = self._peek()
        if token is None:
            raise CelError(f"unexpected end of {self.text!r}")
        self.index += 1
        kind, value = token
        if kind == "string":
            return ("literal", value)
        if kind == "name":
            if value in ("true", "false"):
                return ("literal", value == "true")
            if value not in ("assertion", "attribute", "google"):
                raise CelError(f"unknown name {value!r} in {self.text!r}")
            return ("root", value)
        if value == "(":
            node = self._or()
            self._expect(")")
            return node
        if value == "[":
            items = []
            while not self._peek("]"):
                items.append(self._or())
                if self._peek(","):
                    self.index += 1
            self._expect("]")
            return ("list", items)
        raise CelError(f"unexpected {value!r} in {self.text!r}")


def compile_expression(text):
    """Parse `text` once; raise CelError when it is outside the supported subset."""
    return _Parser(text).parse()


def evaluate(node, roots):
    """Evaluate a compiled expression; `roots` maps `assertion`, `attribute`, `google` to dicts."""
    kind = node[0]
    if kind == "literal":
        return node[1]
    if kind == "root":
        return roots.get(node[1], {})
    if kind == "list":
        return [evaluate(item, roots) for item in node[1]]
    if kind in ("field", "index"):
        container = evaluate(node[1], roots)
        key = node[2] if kind == "field" else evaluate(node[2], roots)
        if isinstance(container, dict) and key in container:
            return container[key]
        return MISSING
    if kind == "not":
        return not _truth(evaluate(node[1], roots))
    if kind == "and":
        return _truth(evaluate(node[1], roots)) and _truth(evaluate(node[2], roots))
    if kind == "or":
        return _truth(evaluate(node[1], roots)) or _truth(evaluate(node[2], roots))
    left = evaluate(node[1] if kind != "call" else node[2], roots)
    right = evaluate(node[2] if kind != "call" else node[3], roots)
    if kind == "==":
        return left is not MISSING and right is not MISSING and left == right
    if kind == "!=":
        return left is not MISSING and right is not MISSING and left != right
    if kind == "in":
        return left is not MISSING and isinstance(right, list) and left in right
    if kind == "+":
        if left is MISSING or right is MISSING:
            return MISSING
        return _text(left) + _text(right)
    if kind == "call":
        if not isinstance(left, str) or not isinstance(right, str):
            return False
        return _METHODS[node[1]](left, right)
    raise CelError(f"cannot evaluate {kind}")


def _truth(value):
    if value is MISSING:
        return False
    if not isinstance(value, bool):
        raise CelError(f"expected a boolean, got {value!r}")
    return value


def _text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
