"""The served content and the repository's content: ``status``, ``sync`` and ``export``.

    python -m contentdir status   # which files differ, and on which side they changed
    python -m contentdir sync     # create the served copy / take in the repository's changes (make start runs it)
    python -m contentdir export   # write the served copy into content/ for a commit (--dry-run: only list)

The served copy is ``CONTENT_DIR`` (``source scripts/env.sh`` sets it as ``make start`` does).
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from contentdir import CONTENT_DIR, REPOSITORY_CONTENT, compare, export, sync


def _lines(title: str, names: List[str]) -> List[str]:
    return [f"{title} ({len(names)}):", *(f"  {name}" for name in names)] if names else []


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contentdir", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("status", "sync", "export"))
    parser.add_argument("--dry-run", action="store_true", help="export: list what would be written, write nothing")
    args = parser.parse_args(argv)
    served, repository = CONTENT_DIR, REPOSITORY_CONTENT
    if served == repository.resolve():
        print(f"[content] CONTENT_DIR is the repository's own {repository}: nothing to compare "
              "(source scripts/env.sh for the served copy)", file=sys.stderr)
        return 0
    if args.command == "sync":
        report = sync(served, repository)
        if report.created:
            print(f"[content] served copy created from the repository: {served}", file=sys.stderr)
        for name in report.taken:
            print(f"[content] taken in from the repository: {name}", file=sys.stderr)
        for name in report.kept:
            print(f"[content] WARNING: {name} changed in the repository and was also edited by staff; the staff's "
                  "version stays. Merge by hand (python -m contentdir status; README, 'Content').", file=sys.stderr)
        if not (report.created or report.taken or report.kept):
            print(f"[content] served copy up to date with the repository ({served})", file=sys.stderr)
        return 0
    if args.command == "export":
        comparison = export(served, repository, dry_run=args.dry_run)
        verb = "would write" if args.dry_run else "written"
        lines = [*_lines(f"staff edits {verb} into {repository}", comparison.staff),
                 *_lines(f"edited on both sides, the staff's version {verb} (git diff shows the repository's)",
                         comparison.both)]
        print("\n".join(lines) or "nothing to export: the repository has every staff edit")
        if comparison.repository:
            print(f"({len(comparison.repository)} repository change(s) not yet taken in: make start or "
                  "python -m contentdir sync)")
        return 0
    comparison = compare(served, repository)
    print(f"served copy: {served}\nrepository:  {repository}")
    print("\n".join([*_lines("edited by staff (export writes them into the repository)", comparison.staff),
                     *_lines("changed in the repository (sync takes them in)", comparison.repository),
                     *_lines("changed on both sides (merge by hand)", comparison.both)])
          or f"identical ({comparison.same} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
