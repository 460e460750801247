"""The project's set-up contract: one dependency list, two commands, CI calls the test command."""

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Extras that environment.yml deliberately leaves out, and why.
NOT_IN_ENVIRONMENT = {"bench": "PyTorch is a multi-GB optional comparison for the benchmarks"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _environment_pip_lines() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert pip_sections, "environment.yml has no pip: section"
    return pip_sections[0]


def test_environment_installs_this_package_with_its_extras():
    editable = [line for line in _environment_pip_lines() if line.startswith("-e")]
    assert editable, "environment.yml must install the repository with `-e .[...]`"
    extras = set(re.search(r"\[(.*)\]", editable[0]).group(1).split(","))
    declared = set(PYPROJECT["project"]["optional-dependencies"])
    assert extras == declared - set(NOT_IN_ENVIRONMENT)


def test_every_pyproject_dependency_is_reachable_from_environment_yml():
    editable = next(line for line in _environment_pip_lines() if line.startswith("-e"))
    extras = re.search(r"\[(.*)\]", editable).group(1).split(",")
    reachable = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    for extra in extras:
        reachable |= {_name(r) for r in PYPROJECT["project"]["optional-dependencies"][extra]}
    wanted = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items():
        if extra not in NOT_IN_ENVIRONMENT:
            wanted |= {_name(r) for r in requirements}
    assert wanted - reachable == set()


def test_environment_pins_python_the_way_binder_reads_it():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert any(re.fullmatch(r"python=3\.\d+", str(d)) for d in env["dependencies"])


def test_the_users_named_packages_are_dependencies():
    names = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        names |= {_name(r) for r in extra}
    assert {"jupyterlab", "numpy", "matplotlib", "ipywidgets", "nbval", "pytest"} <= names


def test_ci_runs_the_readme_test_command_then_the_fragility_check():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme and "make fragility" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines()
                if line.strip().startswith("make ")]
    assert commands == ["make test", "make fragility"]
    workflow = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert "bash .ci/run" in workflow


# import name -> distribution name, where they differ
DISTRIBUTIONS = {"PIL": "pillow", "IPython": "ipython", "matplotlib_inline": "matplotlib-inline"}


def test_every_package_helpers_imports_is_declared():
    import ast

    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    imported = set()
    for path in (ROOT / "helpers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported
                   if name not in sys.stdlib_module_names and name != "helpers"}
    missing = {DISTRIBUTIONS.get(name, name).lower() for name in third_party} - declared
    assert not missing, f"helpers imports {sorted(missing)}, which pyproject.toml does not declare"


def test_the_package_imports_without_touching_sys_path():
    import helpers

    assert Path(helpers.__file__).resolve().parent == ROOT / "helpers"
