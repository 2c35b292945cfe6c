"""Print policies/README.md's policy table from the running pack (GetAnalyzerInfo), so the two never drift.

python -m tools.policy_table            # print the table
python -m tools.policy_table --write    # rewrite the table in policies/README.md
"""

from __future__ import annotations

import sys

from tools.analyzer import PolicyPackSession
from tools.pack_modules import pack_module
from tools.paths import POLICIES

PACK = POLICIES
BEGIN, END = "<!-- policy-table:begin -->", "<!-- policy-table:end -->"
THEMES = ("encryption", "availability", "tls", "backups", "exposure", "tagging", "deployability", "budget")


def themes() -> dict[str, str]:
    return {p.name: theme for theme in THEMES for p in pack_module(theme).POLICIES}


def table() -> str:
    by_theme = themes()
    with PolicyPackSession(PACK, configure=False) as pack:
        policies = pack.policies
    rows = [
        "| Policy | Theme | Kind | Control | Severity | Default level | Config (default) |",
        "|---|---|---|---|---|---|---|",
    ]
    order = {t: i for i, t in enumerate(THEMES)}
    for p in sorted(policies, key=lambda p: (order.get(by_theme.get(p.name, ""), 99), p.name)):
        config = ", ".join(f"`{k}` ({v.get('default')!r})" for k, v in sorted(p.config_schema.items())) or "—"
        config = config.replace("|", "\\|")
        rows.append(
            f"| `{p.name}` | {by_theme.get(p.name, '?')} | {p.policy_type} | {p.framework.get('reference') or '—'} "
            f"| {p.severity} | {p.enforcement_level} | {config} |"
        )
    return "\n".join(rows)


def main() -> int:
    text = table()
    if "--write" in sys.argv:
        readme = PACK / "README.md"
        doc = readme.read_text()
        head, _, rest = doc.partition(BEGIN)
        _, _, tail = rest.partition(END)
        readme.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
