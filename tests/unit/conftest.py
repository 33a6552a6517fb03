# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make the collection importable as ``ansible_collections.homelab.connectx`` for plain pytest.

The repo root *is* the collection, but Python can only import it under its FQCN when it sits at
``.../ansible_collections/homelab/connectx``. A symlink under the gitignored ``tests/output/`` gives
that path without copying anything, so tests always import the working tree.

Hypothesis (the fuzz tests: test_parsers_fuzz.py, test_parse_windows.py) runs under a settings profile chosen by the
environment variable ``HYPOTHESIS_PROFILE``:

* ``ci`` (the default, what ``make unit`` and CI run): derandomized (the same examples on every run, seeded from each
  test) and no example database (nothing replayed from ``.hypothesis/``), so a run passes or fails the same way every
  time;
* ``wide`` (alias ``dev``), by hand: random examples, ``WIDE_FACTOR`` times as many (fuzz_examples()), the local example
  database in ``.hypothesis/`` (gitignored) and the reproduce blob printed on failure, to go looking for new bugs:
  ``HYPOTHESIS_PROFILE=wide .venv/bin/python -m pytest tests/unit -q -p no:cacheprovider -k fuzz``.
  Whatever it finds gets an explicit regression test, so the ci profile keeps it fixed.

``--hypothesis-profile NAME`` on the pytest command line wins over the variable.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

from hypothesis import settings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT_DIR = os.path.join(REPO_ROOT, 'tests', 'unit')
FIXTURES_DIR = os.path.join(UNIT_DIR, 'fixtures')


def _collection_path():
    # When the tree already lives at .../ansible_collections/homelab/connectx (ansible-test), use it.
    parts = REPO_ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3:-1] == ['ansible_collections', 'homelab']:
        return os.sep.join(parts[:-3])
    tests = os.path.join(REPO_ROOT, 'tests')
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from collection_link import collection_link  # pylint: disable=import-outside-toplevel
    return collection_link(os.path.join(REPO_ROOT, 'tests', 'output', '.pytest-collections'))


_path = _collection_path()
if _path not in sys.path:
    sys.path.insert(0, _path)


HYPOTHESIS_PROFILE = os.environ.get('HYPOTHESIS_PROFILE') or 'ci'
WIDE_FACTOR = 10
settings.register_profile('ci', derandomize=True, database=None, print_blob=False)
settings.register_profile('wide', derandomize=False, print_blob=True)
settings.register_profile('dev', settings.get_profile('wide'))
if HYPOTHESIS_PROFILE not in ('ci', 'wide', 'dev'):
    raise ValueError('HYPOTHESIS_PROFILE=%s: the profiles are ci (the default: derandomized, no example database) and wide '
                     '(alias dev: random, %d x the examples)' % (HYPOTHESIS_PROFILE, WIDE_FACTOR))
settings.load_profile(HYPOTHESIS_PROFILE)


def fuzz_examples(count):
    """max_examples for a fuzz test: ``count`` under the ci profile, WIDE_FACTOR x count under wide/dev."""
    return count * WIDE_FACTOR if settings.get_current_profile_name() in ('wide', 'dev') else count


def load_fixture(relpath):
    """Tool output of a fixture file (tests/unit/fixtures/<relpath>), header lines stripped.

    Files hold ``# source:`` style header lines, then ``# ---``, then the output exactly as found.
    Returns the list of captures (split on lines starting with ``## ``), each a string.
    """
    with open(os.path.join(FIXTURES_DIR, relpath), encoding='utf-8') as handle:
        text = handle.read()
    _header, sep, body = text.partition('\n# ---\n')
    if not sep:
        body = text
    captures, current = [], []
    for line in body.split('\n'):
        if line.startswith('## '):
            captures.append('\n'.join(current))
            current = []
            continue
        current.append(line)
    captures.append('\n'.join(current))
    return [c for c in captures if c.strip()]


def load_streams(relpath):
    """The runs of a fixture whose stdout and stderr were captured separately (``$ command``, ``## [stdout]``,
    ``## [stderr]``, then the exit line; ``## run N`` between runs): [{command, stdout, stderr, status}], with the
    streams exactly as printed (empty ones too, which load_fixture drops)."""
    with open(os.path.join(FIXTURES_DIR, relpath), encoding='utf-8') as handle:
        body = handle.read().partition('\n# ---\n')[2]
    runs = []
    for chunk in [c for c in body.split('$ ') if c.strip()]:
        command, _nl, rest = chunk.partition('\n')
        stdout = rest.partition('## [stdout]\n')[2].partition('## [stderr]\n')[0]
        err_and_status = rest.partition('## [stderr]\n')[2]
        lines = err_and_status.split('\n## run')[0].rstrip('\n').split('\n')
        runs.append({'command': command, 'stdout': stdout, 'stderr': '\n'.join(lines[:-1]) + ('\n' if lines[:-1] else ''),
                     'status': lines[-1]})
    return runs
