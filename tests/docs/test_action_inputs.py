"""The README's input table and action.yml declare the same inputs.

Run: /usr/bin/python3 -m unittest discover -s tests/docs -p 'test_*.py'
"""
import os
import re
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme_inputs():
    """Returns {input: default cell} from the README's "## Inputs" table."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
        text = readme.read()
    section = text.split("\n## Inputs\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `([a-z-]+)` \| (yes|no) \| (.*?) \| .* \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def action_inputs():
    with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as action:
        return yaml.safe_load(action)["inputs"]


class ActionInputsTest(unittest.TestCase):
    def test_same_input_names(self):
        self.assertEqual(sorted(readme_inputs()), sorted(action_inputs()))

    def test_same_required_flags(self):
        documented = readme_inputs()
        for name, declared in action_inputs().items():
            with self.subTest(input=name):
                required = "yes" if declared.get("required") else "no"
                self.assertEqual(documented[name][0], required)

    def test_literal_defaults_match(self):
        # A README default in backquotes is the literal value action.yml must
        # declare; prose defaults describe an empty input the program fills.
        documented = readme_inputs()
        for name, declared in action_inputs().items():
            cell = documented[name][1]
            literal = re.fullmatch(r"`([^`]*)`", cell)
            with self.subTest(input=name):
                if literal:
                    self.assertEqual(literal.group(1), str(declared.get("default", "")))
                else:
                    self.assertEqual(str(declared.get("default", "")), "",
                                     f"{name}: README describes the default in prose, "
                                     "so action.yml must leave it empty")

    def test_every_output_documented(self):
        with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
            section = readme.read().split("\n## Outputs\n", 1)[1].split("\n## ", 1)[0]
        with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as action:
            outputs = yaml.safe_load(action)["outputs"]
        for name in outputs:
            with self.subTest(output=name):
                self.assertIn(f"`{name}`", section)


if __name__ == "__main__":
    unittest.main()
