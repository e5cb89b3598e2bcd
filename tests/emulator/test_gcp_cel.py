import unittest

from gcp_cel import CelError, compile_expression, evaluate

ROOTS = {
    "assertion": {"sub": "repo:acme/shop:ref:refs/heads/main", "repository": "acme/shop", "repository_owner": "acme"},
    "attribute": {"repository": "acme/shop"},
    "google": {"subject": "repo:acme/shop:ref:refs/heads/main"},
}


def run(text):
    return evaluate(compile_expression(text), ROOTS)


class CelSubsetTest(unittest.TestCase):
    def test_comparisons(self):
        self.assertIs(run("assertion.repository_owner == 'acme'"), True)
        self.assertIs(run('assertion.repository != "acme/shop"'), False)
        self.assertIs(run("attribute.repository == 'acme/shop'"), True)
        self.assertIs(run("google.subject == assertion.sub"), True)

    def test_logic_and_parentheses(self):
        self.assertIs(run("assertion.repository_owner == 'x' || (assertion.repository == 'acme/shop' && !false)"), True)
        self.assertIs(run("!(assertion.repository_owner == 'acme')"), False)

    def test_methods_and_in(self):
        self.assertIs(run("assertion.sub.startsWith('repo:acme/')"), True)
        self.assertIs(run("assertion.sub.endsWith(':refs/heads/main')"), True)
        self.assertIs(run("assertion.sub.contains('evil')"), False)
        self.assertIs(run("assertion['repository'] in ['acme/shop', 'acme/web']"), True)

    def test_mapping_concatenation(self):
        self.assertEqual(run("'repo:' + assertion.repository"), "repo:acme/shop")

    def test_missing_claim_is_false(self):
        self.assertIs(run("assertion.environment == 'prod'"), False)
        self.assertIs(run("assertion.environment != 'prod'"), False)
        self.assertIs(run("assertion.environment.startsWith('p')"), False)

    def test_unsupported_syntax_rejected(self):
        for text in ("size(assertion.sub) > 3", "assertion.sub.matches('x')", "request.time", "assertion.sub =="):
            with self.assertRaises(CelError, msg=text):
                compile_expression(text)


if __name__ == "__main__":
    unittest.main()
