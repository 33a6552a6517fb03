# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every filter is documented, antsibull-docs finds nothing wrong in the docs, and docs/reference is current.

The collection is found through a symlink to this tree in a temporary collections path (no
`make collection` needed). The antsibull-docs tests skip themselves in a venv without antsibull-docs
(the compat venvs of tests/compat carry ansible and pytest only).
"""

import difflib
import glob
import os
import pathlib
import re
import subprocess
import sys

import pytest

from collection_link import isolated

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
ANTSIBULL_DOCS = os.path.join(BIN, 'antsibull-docs')
REFERENCE = os.path.join(ROOT, 'docs', 'reference')

FILTER_RE = re.compile(r"""^\s*'(connectx_[a-z0-9_]+)':""", re.M)
FILTERS = sorted(name for path in glob.glob(os.path.join(ROOT, 'plugins', 'filter', '*.py'))
                 for name in FILTER_RE.findall(open(path, encoding='utf-8').read()))
# The link and Windows filters of the 0.1.0 release still public: guards FILTER_RE against finding fewer than there are.
RELEASED_FILTERS = [
    'connectx_iperf_gbps', 'connectx_windows_adapter_info', 'connectx_windows_link_speed_mbps',
]

# The same options as the Makefile's `docs` target (which writes docs/reference).
GENERATE = ['collection', '--use-current', '--fail-on-error', '--output-format', 'simplified-rst',
            '--squash-hierarchy', '--no-add-antsibull-docs-version', '--cleanup', 'everything']

needs_antsibull_docs = pytest.mark.skipif(
    not os.path.exists(ANTSIBULL_DOCS),
    reason="antsibull-docs is not in this venv (requirements-dev.txt installs it; the compat venvs do not)")


def run(argv, env, cwd=ROOT):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, '%s failed (rc %d):\n%s\n%s' % (argv, proc.returncode, proc.stdout, proc.stderr)
    return proc


@pytest.fixture(scope='module')
def collection(tmp_path_factory):
    """(path of homelab.connectx in a temporary collections path, environment that finds it)."""
    # antsibull-docs runs ansible-galaxy and ansible-doc from PATH: the ones of this venv.
    path, env = isolated(tmp_path_factory.mktemp('docs'), PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    return pathlib.Path(path), env


def test_filter_names_found():
    assert set(RELEASED_FILTERS) <= set(FILTERS), FILTERS


def test_ansible_doc_lists_every_filter_documented(collection):
    _path, env = collection
    proc = run([os.path.join(BIN, 'ansible-doc'), '-t', 'filter', '-l', 'homelab.connectx'], env)
    lines = dict((line.split()[0].rsplit('.', 1)[1], line) for line in proc.stdout.splitlines()
                 if line.startswith('homelab.connectx.'))
    assert sorted(lines) == FILTERS, proc.stdout + proc.stderr
    undocumented = [line for line in lines.values() if 'UNDOCUMENTED' in line]
    assert not undocumented, '\n'.join(undocumented) + '\n' + proc.stderr


@pytest.mark.parametrize('name', FILTERS)
def test_ansible_doc_renders_filter(collection, name):
    _path, env = collection
    proc = run([os.path.join(BIN, 'ansible-doc'), '-t', 'filter', 'homelab.connectx.%s' % name], env)
    assert 'OPTIONS' in proc.stdout and 'EXAMPLES' in proc.stdout and 'RETURN VALUES' in proc.stdout, proc.stdout
    assert 'ERROR' not in proc.stderr, proc.stderr


@needs_antsibull_docs
def test_antsibull_docs_lint_is_clean(collection):
    path, env = collection
    # Modules, filters, the doc fragment and the roles' argument_specs: schema, markup and references.
    run([ANTSIBULL_DOCS, 'lint-collection-docs', '--plugin-docs', '.'], env, cwd=str(path))


@needs_antsibull_docs
def test_generated_docs_are_up_to_date(collection, tmp_path):
    _path, env = collection
    dest = tmp_path / 'reference'
    dest.mkdir()
    run([ANTSIBULL_DOCS] + GENERATE + ['--dest-dir', str(dest), 'homelab.connectx'], env)
    generated = sorted(os.listdir(str(dest)))
    committed = sorted(os.listdir(REFERENCE)) if os.path.isdir(REFERENCE) else []
    assert committed == generated, 'docs/reference differs in its files: run make docs\ncommitted: %s\ngenerated: %s' % (
        committed, generated)
    stale = []
    for name in generated:
        with open(os.path.join(REFERENCE, name), encoding='utf-8') as handle:
            old = handle.read()
        new = (dest / name).read_text(encoding='utf-8')
        if old != new:
            stale.append(''.join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                      'docs/reference/' + name, 'generated/' + name, n=1))[:3000])
    assert not stale, 'docs/reference is out of date: run make docs\n' + '\n'.join(stale)
