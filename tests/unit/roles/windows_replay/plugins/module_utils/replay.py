# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the replaying stand-ins of ansible.windows: the scenario, the call log, the recorded outputs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os


def _dir():
    return os.environ['WINDOWS_REPLAY_DIR']


def scenario():
    with open(os.path.join(_dir(), 'scenario.json'), encoding='utf-8') as handle:
        return json.load(handle)


def calls():
    path = os.path.join(_dir(), 'calls.jsonl')
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def record(plugin, args, check_mode, **extra):
    entry = dict(extra, plugin=plugin, args=args, check_mode=bool(check_mode))
    with open(os.path.join(_dir(), 'calls.jsonl'), 'a', encoding='utf-8') as handle:
        handle.write(json.dumps(entry, sort_keys=True) + '\n')


def done(plugin):
    """The calls of ``plugin`` that really ran (not in check mode, not failed)."""
    return [c for c in calls() if c['plugin'] == plugin and not c['check_mode'] and not c.get('failed')]


def fixture(name):
    """A recorded output of tests/unit/fixtures/windows/, header lines stripped (as tests/unit/conftest.load_fixture)."""
    with open(os.path.join(scenario()['fixtures'], name + '.txt'), encoding='utf-8') as handle:
        text = handle.read()
    _header, _sep, body = text.partition('\n# ---\n')
    return body


def host_files():
    """Paths (lower case) present on the Windows host: the scenario's and whatever win_copy copied."""
    files = set(p.lower() for p in scenario().get('host_files', []))
    files.update(c['args'].get('dest', '').lower() for c in done('win_copy'))
    return files
