# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No file of the tree names a path of the machine it was written on.

Whoever clones the project must be able to follow every reference: documents live in docs/, data
in the tree. The test reads every file git knows and fails on the checkout's own location, a
sibling checkout's shared/ folder, home directories, pyenv or the package mirror of a build
machine. Quoted real outputs (tests/unit/fixtures/**, each with a `# source:` header naming where
it was published) keep their shell prompts, which are data.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SELF = os.path.relpath(os.path.abspath(__file__), ROOT)
FIXTURES = os.path.join('tests', 'unit', 'fixtures') + os.sep

# Spelled in two pieces, so that this file does not name the folder it looks for.
WORK = '/wo' + 'rk/'
FORBIDDEN = [
    (re.compile(r'(?<![\w.])' + WORK), 'a build machine\'s work folder'),
    (re.compile(r'\.\./shared\b|(?<![\w.-])shared/(fixtures|emulation-spec|design)'), 'a folder outside the repository'),
    (re.compile(r'/home/[A-Za-z0-9_.-]+'), 'a home directory'),
    (re.compile(r'\.pyenv/'), 'a pyenv installation'),
    (re.compile(r'/opt/(pypi|wheels)'), 'a package mirror of a build machine'),
]


def tracked_files():
    out = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                         cwd=ROOT, capture_output=True, check=True).stdout
    return [f for f in out.decode().split('\0') if f and os.path.isfile(os.path.join(ROOT, f))
            and not os.path.islink(os.path.join(ROOT, f))]


def quoted_output(path, text):
    return path.startswith(FIXTURES) and '# source:' in text[:2000]


def offences(path, text, own=()):
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for place in own:
            if re.search(r'(?<![\w./-])' + re.escape(place.rstrip(os.sep)) + r'(?=/)', line):
                found.append('%s:%d: names this checkout (%s)' % (path, lineno, place))
        if quoted_output(path, text):
            continue
        for pattern, what in FORBIDDEN:
            if pattern.search(line):
                found.append('%s:%d: names %s: %s' % (path, lineno, what, line.strip()[:120]))
    return found


def test_no_file_names_a_path_of_a_build_machine():
    own = [ROOT + os.sep]
    found = []
    for path in tracked_files():
        if path == SELF:
            continue  # the patterns and their examples below
        try:
            with open(os.path.join(ROOT, path), encoding='utf-8') as handle:
                text = handle.read()
        except UnicodeDecodeError:
            continue  # binary
        found += offences(path, text, own)
    assert not found, '\n'.join(found)


@pytest.mark.parametrize('line', [
    'design: ' + WORK + 'shared/emulation-spec.md',
    'see ../shared/fixtures/psid_table',
    'from /home/someone/src/thing',
    'python at /root/.pyenv/versions/3.11/bin',
    'pip index file:///opt/pypi/simple',
])
def test_each_kind_of_machine_path_is_caught(line):
    assert offences('docs/x.md', line), line


def test_quoted_real_output_keeps_its_prompt():
    text = '# source: a public blog post\n# ---\nroot@server-2:/home/pieter# ethtool eth2\n'
    assert offences('tests/unit/fixtures/ethtool/x.txt', text) == []
    assert offences('docs/x.md', text)
