"""A process that runs offline previews one after another, for the test session (tests/render.py).

A preview in a fresh process spends about as long importing the SDK and the pulumi_aws classes a stack uses
as it does rendering (the bench's "import floor"). The SDK's runtime state is global, but each preview
configures it afresh (tools/preview/record.py: new mocks, monitor, settings, config and event loop), so
renders in one process are independent once the program's own modules are dropped between them: a variant
of the program (a copied or patched `components/`) must not run with the previous render's modules.
The documents are the ones `python -m tools.preview` writes in a fresh process (tests/test_preview.py
checks that a worker's render and a fresh process's are identical).

Protocol: one JSON request a line on stdin, one JSON answer a line on the original stdout ({"code": int,
"stdout": str, "stderr": str, "crashed": bool, "ran": bool}); anything else the render prints goes to stderr.
`ran` says whether a program ran under the SDK (tools/preview/record.py run_program): a preview refused before
that (a bad stack file, a bad pack config) leaves the SDK's state as it was, and the worker as good as new. A request is
{"argv": [...]} (`python -m tools.preview` with those arguments) or {"call": "package.module:function",
"kwargs": {...}}: a test's own run of the program from this repository (e.g. with a config key removed, or as
an update rather than a preview), which returns its exit code like `main`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import os
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_KEEP = ("tools", "tests")  # the harness's own packages stay imported between renders


def _program_modules(program: Path, before: set[str]) -> list[str]:
    """Modules the render imported from the program's folder (its components, settings, fixtures)."""
    out = []
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None)
        if not file or name.split(".")[0] in _KEEP or "site-packages" in Path(file).parts:
            continue  # installed packages (pulumi_aws: the import this worker exists to share) stay
        path = Path(file)
        if path.is_relative_to(program) or path.resolve().is_relative_to(program.resolve()):
            out.append(name)
    return out


def serve() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray writes to fd 1 (a program's print through C) must not corrupt the answers
    from tools.preview import cli

    ran = [False]
    run_program = cli.run_program

    def running(*args: object, **kwargs: object) -> object:
        ran[0] = True
        return run_program(*args, **kwargs)

    cli.run_program = running  # the CLI's only way to the SDK: a preview that fails before it touched nothing
    for line in sys.stdin:
        request = json.loads(line)
        if "call" in request:
            module, _, function = request["call"].partition(":")
            run = functools.partial(getattr(importlib.import_module(module), function), **request["kwargs"])
            program = ROOT
            ran[0] = True  # a test's own run of the program: counted as one whatever it does
        else:
            argv = request["argv"]
            run = functools.partial(cli.main, argv)
            ran[0] = False
            program = Path(argv[argv.index("--program") + 1] if "--program" in argv else ROOT).resolve()
        before = set(sys.modules)
        out, err = io.StringIO(), io.StringIO()
        crashed = False
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = run()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # what would end a fresh process with a traceback and exit 1
                traceback.print_exc()
                code, crashed = 1, True
        loaded = _program_modules(program, before)
        for name in loaded:
            del sys.modules[name]
        # The program's own modules were imported: it ran, whichever way the CLI reached it.
        ran[0] = ran[0] or bool(loaded)
        answer = {
            "code": code,
            "stdout": out.getvalue(),
            "stderr": err.getvalue(),
            "crashed": crashed,
            "ran": ran[0],
        }
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    serve()
