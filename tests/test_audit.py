"""Finding 9 of issue 16: the dependency audit counts what it audited and fails when it could
not audit (pip-audit reports unknown packages as skipped and still says "no known
vulnerabilities"). `make audit` runs the real audit; `make test` runs these checks, which hold
wherever the tests run, with or without the vulnerability service."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from app.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "audit.py"
NOT_FOUND = "Dependency not found on PyPI and could not be audited: pyyaml (6.0.4)"


def _audit_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_script", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


audit = _audit_module()


def _dep(name: str, **extra: object) -> dict[str, object]:
    return {"name": name, "version": "1.0", **extra}


def test_an_audit_that_skipped_every_package_fails_and_says_why() -> None:
    report = {"dependencies": [_dep(n, skip_reason=NOT_FOUND) for n in ("a", "b", "c")]}
    result = audit.verdict(report)
    assert result.exit_code == 2
    text = "\n".join(result.lines)
    assert "audited 0 of 3 locked packages" in text
    assert "audit FAILED: 3 of 3 packages were not audited" in text
    assert "not reachable from this machine" in text


def test_a_partial_audit_fails() -> None:
    report = {"dependencies": [_dep("a", vulns=[]), _dep("b", skip_reason=NOT_FOUND)]}
    result = audit.verdict(report)
    assert result.exit_code == 2
    assert "audited 1 of 2" in result.lines[0]


def test_a_full_clean_audit_passes_and_counts() -> None:
    report = {"dependencies": [_dep("a", vulns=[]), _dep("b", vulns=[])]}
    result = audit.verdict(report)
    assert result.exit_code == 0
    assert result.lines == [
        "pip-audit (pypi): audited 2 of 2 locked packages, 0 fixable vulnerabilities"
    ]


def test_a_fixable_vulnerability_fails() -> None:
    vuln = {"id": "PYSEC-1", "fix_versions": ["1.1"]}
    report = {"dependencies": [_dep("a", vulns=[vuln]), _dep("b", vulns=[])]}
    result = audit.verdict(report)
    assert result.exit_code == 1
    assert result.lines[0] == "a 1.0: PYSEC-1, fixed in 1.1"


def test_no_report_or_an_empty_lock_fails() -> None:
    assert audit.verdict(None, "ConnectionError: name resolution failed").exit_code == 2
    assert audit.verdict({"dependencies": []}).exit_code == 2


def test_the_real_audit_claims_success_only_when_it_audited_everything(tmp_path: Path) -> None:
    """Run the script for real on one locked package: it may pass (the service answered) or
    fail (it did not), but it never passes without having audited that package."""
    lock = tmp_path / "one.lock"
    lock.write_text(_one_pin(PROJECT_ROOT / "requirements.lock", "pyyaml"))
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--lock", str(lock)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode == 0:
        assert "audited 1 of 1 locked packages" in result.stdout
    else:
        assert result.returncode == 2, result.stderr
        assert "audit FAILED" in result.stderr
        assert "audited 1 of 1" not in result.stderr


def _one_pin(lock: Path, name: str) -> str:
    """The hash-pinned entry of `name` in a uv lock file (its line and continuation lines)."""
    lines = lock.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name}=="))
    entry = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("    --hash"):
            break
        entry.append(line)
    return "\n".join(entry) + "\n"
