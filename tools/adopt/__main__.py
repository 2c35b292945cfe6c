"""python -m tools.adopt --tfstate FILE --stack NAME: see tools/adopt/__init__.py."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .match import Matcher, Result
from .render import ROOT, engine_urns, load_render
from .report import dumps, import_document, markdown, terminal
from .terraform import Provider
from .tfstate import AdoptError, load_state
from .typemap import TypeMap


def _write_all(files: dict[Path, str]) -> None:
    """Every file or none: each is written beside its target, then all are renamed into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(fd, "w") as f:
                f.write(text)
            staged.append((Path(tmp), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def analyse(tfstate: Path, stack: str, out_dir: Path, plugin_dir: str | None = None) -> Result:
    """Match the state to the stack's render and judge every pair (no file written)."""
    resources = load_state(tfstate)
    doc = load_render(stack, out_dir)
    provider = Provider(ROOT / "out" / ".adopt", plugin_dir)
    typemap = TypeMap(provider.schema(), provider.workdir / "typemap.json")
    matcher = Matcher(resources, engine_urns(doc), typemap, provider)
    matcher.match()
    typemap.save()
    matcher.judge()
    return matcher.result()


def run(tfstate: Path, stack: str, out_dir: Path, plugin_dir: str | None = None) -> str:
    result = analyse(tfstate, stack, out_dir, plugin_dir)
    import_path, report_path = out_dir / "import.json", out_dir / "adoption.md"
    rel = lambda p: os.path.relpath(p, Path.cwd())  # noqa: E731
    _write_all(
        {
            import_path: dumps(import_document(result)),
            report_path: markdown(result, stack, rel(tfstate), rel(import_path)),
        }
    )
    return terminal(result, stack, [rel(import_path), rel(report_path)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.adopt", description=__doc__)
    parser.add_argument(
        "--tfstate", required=True, type=Path, help="v4 state file or `terraform show -json` output"
    )
    parser.add_argument("--stack", required=True, help="stack whose offline render the state is matched to")
    parser.add_argument("--out", type=Path, help="output directory (default out/<stack>)")
    parser.add_argument(
        "--tf-plugin-dir", help="plugin directory holding registry.terraform.io/hashicorp/aws"
    )
    args = parser.parse_args(argv)
    try:
        print(run(args.tfstate, args.stack, args.out or ROOT / "out" / args.stack, args.tf_plugin_dir))
    except AdoptError as exc:
        print(f"error: {exc}\nnothing written", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
