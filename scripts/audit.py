"""Fail when a locked dependency has a known vulnerability that a newer release fixes."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements-test.lock"


def main() -> int:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        result = subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--require-hashes",
             "--disable-pip", "--progress-spinner", "off", "--format", "json",
             "--output", report.name],
            capture_output=True, text=True,
        )
        data = json.loads(Path(report.name).read_text() or "{}")
    if "dependencies" not in data:
        print(result.stderr or result.stdout, file=sys.stderr)
        return 2
    fixable = [
        (dep["name"], dep["version"], vuln["id"], vuln["fix_versions"])
        for dep in data["dependencies"]
        for vuln in dep.get("vulns", [])
        if vuln.get("fix_versions")
    ]
    for name, version, vuln_id, fixes in fixable:
        print(f"{name} {version}: {vuln_id}, fixed in {', '.join(fixes)}", file=sys.stderr)
    print(f"pip-audit: {len(data['dependencies'])} locked packages, {len(fixable)} fixable "
          "vulnerabilities")
    return 1 if fixable else 0


if __name__ == "__main__":
    sys.exit(main())
