"""The README's first command works in a clean copy of the repository: set-up from nothing, then
the demo. A dependency missing from pyproject.toml, a file missing from the package, or a
broken .ci/setup fails here, not on a user's machine."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_first_command() -> str:
    lines = (ROOT / "README.md").read_text().splitlines()
    return lines[lines.index("```sh") + 1].split("#")[0].strip()


def clean_copy(dest: Path) -> Path:
    """The files git knows (tracked, or new and not ignored) as they are now: no .venv, no
    build or demo leftovers."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
            capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        if os.environ.get("CI") == "true":
            pytest.fail("needs a git checkout (CI must run this test)", pytrace=False)
        pytest.skip("needs a git checkout")
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).symlink_to(os.readlink(source))
        elif source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(source.read_bytes())
            (dest / name).chmod(source.stat().st_mode)
    return dest


def run(command, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "ENRICH_CONFIG", "PYTHONPATH")}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900, shell=isinstance(command, str))
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_readme_first_command_sets_up_and_runs_the_demo_in_a_clean_copy(tmp_path):
    copy = clean_copy(tmp_path / "enrich")
    command = readme_first_command()
    assert command == "bash .ci/setup && .venv/bin/enrich demo"
    run(["bash", "-c", command], copy)
    out = copy / "enrich-demo" / "out"
    for name in ("rollup.json", "report.pdf", "report.html", "licenses.pdf", "reclaim.csv"):
        assert (out / name).stat().st_size > 0, name
    assert len(list((out / "outbox").glob("*.eml"))) > 10

    # Installed as a wheel, away from the source tree: the templates and data ship with it.
    venv_python = str(copy / ".venv" / "bin" / "python")
    run([venv_python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
         str(copy)], tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = run([venv_python, "-c", "import enrich; print(enrich.__file__)"], elsewhere)
    assert "site-packages" in found.stdout
    run([str(copy / ".venv" / "bin" / "enrich"), "demo", "--people", "60",
         "--output", "demo"], elsewhere)
    assert (elsewhere / "demo" / "out" / "report.pdf").stat().st_size > 0

