"""The action runs its container without a shell and as a non-root user.

Checks action.yml, the Dockerfile and the workflows in .github/workflows:
no input or event text reaches a shell, the entrypoint is the binary in
exec form, and the runtime stage does not run as root.

Run: /usr/bin/python3 -m unittest discover -s tests/docs -p 'test_*.py'
"""
import json
import os
import re
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHELLS = {"sh", "bash", "dash", "zsh", "ash", "busybox", "env"}
# Expression contexts whose text a pull request or the workflow's caller
# controls.
UNTRUSTED_EXPRESSION = re.compile(
    r"\$\{\{[^}]*\b(inputs\.|github\.event\.|github\.head_ref|env\.INPUT_)", re.IGNORECASE)
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def load_yaml(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return yaml.safe_load(f)


def dockerfile_instructions():
    """Return (instruction, arguments) pairs, with continuation lines joined."""
    with open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def run_steps(document):
    """Yield (where, run string) for each `run:` in a workflow or composite action."""
    for job_name, job in (document.get("jobs") or {}).items():
        for index, step in enumerate(job.get("steps") or []):
            if "run" in step:
                yield f"jobs.{job_name}.steps[{index}]", str(step["run"])
    runs = document.get("runs") or {}
    for index, step in enumerate(runs.get("steps") or []):
        if "run" in step:
            yield f"runs.steps[{index}]", str(step["run"])


class ActionMetadataTest(unittest.TestCase):
    def setUp(self):
        self.action = load_yaml("action.yml")
        self.runs = self.action["runs"]

    def test_runs_the_container_without_shell(self):
        self.assertEqual(self.runs["using"], "docker")
        for key in ("entrypoint", "pre-entrypoint", "post-entrypoint", "steps"):
            self.assertNotIn(key, self.runs, f"runs.{key} would replace the binary as the entrypoint")

    def test_args_are_single_input_expressions(self):
        # The runner passes each element as one docker argument, so an input
        # is never split or evaluated, unless an element runs a shell.
        args = self.runs.get("args") or []
        self.assertTrue(args, "runs.args is empty")
        for arg in args:
            text = str(arg)
            self.assertNotIn(text.split("/")[-1], SHELLS, f"runs.args starts a shell: {text!r}")
            self.assertNotEqual(text.strip(), "-c", "runs.args passes -c to a shell")
            expressions = EXPRESSION.findall(text)
            if expressions:
                self.assertIsNotNone(EXPRESSION.fullmatch(text.strip()),
                                     f"runs.args element mixes text and expressions: {text!r}")
                self.assertRegex(expressions[0], r"^inputs\.[A-Za-z_][A-Za-z0-9_-]*$")

    def test_env_passes_no_untrusted_expression(self):
        for name, value in (self.runs.get("env") or {}).items():
            self.assertIsNone(UNTRUSTED_EXPRESSION.search(str(value)),
                              f"runs.env.{name} copies untrusted text: {value!r}")

    def test_image_is_dockerfile_or_pinned(self):
        image = str(self.runs["image"])
        if image.lower().startswith("docker://"):
            self.assertRegex(image, r"@sha256:[0-9a-f]{64}$", "a docker:// image must be pinned by digest")
        else:
            self.assertEqual(os.path.basename(image), "Dockerfile")


class DockerfileTest(unittest.TestCase):
    def setUp(self):
        self.instructions = dockerfile_instructions()

    def _last(self, name):
        values = [arguments for instruction, arguments in self.instructions if instruction == name]
        self.assertTrue(values, f"the Dockerfile has no {name}")
        return values[-1]

    def test_entrypoint_is_exec_form_binary(self):
        entrypoint = json.loads(self._last("ENTRYPOINT"))  # shell form is not JSON
        self.assertIsInstance(entrypoint, list)
        self.assertEqual(entrypoint, ["/usr/local/bin/secret-preflight"])

    def test_cmd_is_exec_form(self):
        cmd = json.loads(self._last("CMD"))
        self.assertIsInstance(cmd, list)
        self.assertNotIn(cmd[0].split("/")[-1], SHELLS)

    def test_no_shell_instruction(self):
        self.assertNotIn("SHELL", [instruction for instruction, _ in self.instructions])

    def test_runtime_stage_is_not_root(self):
        stages = [i for i, (instruction, _) in enumerate(self.instructions) if instruction == "FROM"]
        runtime = self.instructions[stages[-1]:]
        users = [arguments for instruction, arguments in runtime if instruction == "USER"]
        self.assertTrue(users, "the runtime stage sets no USER, so it runs as root")
        user = users[-1].split(":")[0]
        self.assertNotIn(user, ("0", "root"))

    def test_base_image_digests_are_well_formed(self):
        # NOTE: the FROM lines are not pinned yet (docs/container.md, "Base
        # image pinning"); once they are, require @sha256: on every line.
        for instruction, arguments in self.instructions:
            if instruction != "FROM" or "@" not in arguments:
                continue
            self.assertRegex(arguments.split()[0], r"^[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}$")


class WorkflowsTest(unittest.TestCase):
    def test_run_steps_interpolate_no_untrusted_text(self):
        # `${{ }}` in a run: string is pasted into the script before the shell
        # parses it, so a crafted input or branch name runs as code.
        documents = {"action.yml": load_yaml("action.yml")}
        workflows = os.path.join(ROOT, ".github", "workflows")
        for name in sorted(os.listdir(workflows)):
            if name.endswith((".yml", ".yaml")):
                documents[f".github/workflows/{name}"] = load_yaml(os.path.join(".github", "workflows", name))
        self.assertGreater(len(documents), 1)
        for path, document in documents.items():
            for where, script in run_steps(document):
                self.assertIsNone(UNTRUSTED_EXPRESSION.search(script),
                                  f"{path} {where} interpolates untrusted text into a shell script")


class UntrustedExpressionTest(unittest.TestCase):
    """The pattern itself, so that the checks above can fail."""

    def test_flags_input_and_event_text(self):
        for script in ("echo ${{ inputs.mode }}", "echo ${{github.event.pull_request.title}}",
                       "git checkout ${{ github.head_ref }}"):
            self.assertIsNotNone(UNTRUSTED_EXPRESSION.search(script), script)

    def test_passes_trusted_contexts(self):
        for script in ("echo ${{ github.sha }}", "echo ${{ steps.preflight.outputs.sarif }}", "echo $INPUT"):
            self.assertIsNone(UNTRUSTED_EXPRESSION.search(script), script)


if __name__ == "__main__":
    unittest.main()
