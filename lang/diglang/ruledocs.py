"""Generate `docs/rules.md` from the rule registry: `python -m diglang.ruledocs [--check]`."""

from __future__ import annotations

import sys
from pathlib import Path

from diglang.rules import RULES

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def render() -> str:
    """The rules reference: a table of every rule, then each rule's documentation."""
    lines = [
        "# diglint rules",
        "",
        "Generated from the rule modules' docstrings by `python -m diglang.ruledocs`;",
        "do not edit by hand.",
        "",
        "| rule | default severity | fixable | summary |",
        "|---|---|---|---|",
    ]
    for rule in RULES:
        lines.append(f"| [`{rule.id}`](#{rule.id}) | {rule.severity} | {rule.fixable.value} | "
                     f"{rule.summary} |")  # fmt: skip
    for rule in RULES:
        body = rule.doc.strip().splitlines()
        lines += ["", f"## {rule.id}", "", f"*{body[0]}*" if body else ""]
        lines += [line.replace("## ", "### ", 1) if line.startswith("## ") else line
                  for line in body[1:]]  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    """Write the file, or with `--check` exit 1 when it is stale."""
    text = render()
    if "--check" in sys.argv[1:]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale; run `python -m diglang.ruledocs`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
