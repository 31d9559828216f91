"""Audit the locked dependencies for known vulnerabilities; fail loudly when that is impossible.

`make audit` runs this. It asks pip-audit to check every pin of the lock file against PyPI's
vulnerability data (the index the project installs from), then counts what was really audited:
pip-audit marks a package it could not look up as skipped and still says "No known
vulnerabilities found", which once printed "124 locked packages, 0 fixable vulnerabilities"
while auditing nothing. Exit codes:

  0  every locked package was audited and none has a vulnerability with a fixed release
  1  a locked package has a known vulnerability that a newer release fixes
  2  not every package could be audited (service unreachable, packages unknown to it):
     the audit says which and why, and counts as failed, never as clean
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK = Path(__file__).resolve().parent.parent / "requirements-test.lock"
SERVICE = "pypi"


@dataclass
class Verdict:
    exit_code: int
    lines: list[str]


def run_pip_audit(lock: Path, service: str = SERVICE) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report of `lock` (None when it produced none) and its error output."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                str(lock),
                "--require-hashes",
                "--disable-pip",
                "--vulnerability-service",
                service,
                "--timeout",
                "20",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        text = report.read_text() if report.exists() else ""
    try:
        return (json.loads(text) if text else None), result.stderr.strip()
    except json.JSONDecodeError:
        return None, result.stderr.strip()


def verdict(report: dict[str, Any] | None, errors: str = "", service: str = SERVICE) -> Verdict:
    """What a pip-audit report proves: only audited packages count as checked."""
    if report is None or "dependencies" not in report:
        reason = errors.splitlines()[-1] if errors else "no report"
        return Verdict(2, [f"audit FAILED: pip-audit produced no report ({reason})"])
    dependencies = report["dependencies"]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    fixable = [
        f"{dep['name']} {dep['version']}: {vuln['id']}, fixed in {', '.join(vuln['fix_versions'])}"
        for dep in dependencies
        for vuln in dep.get("vulns", [])
        if vuln.get("fix_versions")
    ]
    lines = fixable + [
        f"pip-audit ({service}): audited {audited} of {len(dependencies)} locked packages, "
        f"{len(fixable)} fixable vulnerabilities"
    ]
    if fixable:
        return Verdict(1, lines)
    if not dependencies or skipped:
        return Verdict(2, lines + _skipped_explanation(skipped, len(dependencies)))
    return Verdict(0, lines)


def _skipped_explanation(skipped: list[dict[str, Any]], total: int) -> list[str]:
    if not total:
        return ["audit FAILED: the lock file lists no packages"]
    reasons = Counter(dep["skip_reason"].split(":")[0] for dep in skipped)
    lines = [f"audit FAILED: {len(skipped)} of {total} packages were not audited:"]
    lines += [f"  {count} x {reason}" for reason, count in reasons.most_common()]
    if len(skipped) == total and all("not found on PyPI" in r for r in reasons):
        lines.append(
            "  every package was 'not found': PyPI's per-release JSON API "
            "(https://pypi.org/pypi/<name>/<version>/json) is not reachable from this machine "
            "(an offline mirror or proxy answers 404). Run `make audit` where it is."
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=LOCK, help="hash-pinned requirements file")
    args = parser.parse_args(argv)
    result = verdict(*run_pip_audit(args.lock))
    stream = sys.stdout if result.exit_code == 0 else sys.stderr
    for line in result.lines:
        print(line, file=stream)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
