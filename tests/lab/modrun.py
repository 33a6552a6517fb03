# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one of the collection's modules for real (as Ansible does: a JSON args file), under the card emulator."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys
import tempfile

from labkit.collection import collection_link

LAB = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(LAB))
SHIM = os.path.join(LAB, 'emulator', 'libfakemlx.so')


def collections_path():
    """A directory with ansible_collections/homelab/connectx -> this tree (the one the unit tests use)."""
    return collection_link(os.path.join(REPO, 'tests', 'output', '.lab-collections'))


def run_module(name, root, check_mode=False, diff=False, env=None, **args):
    """Result dict of plugins/modules/<name>.py run with ``args`` against the emulated cards in ``root``."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    try:
        env = dict(os.environ, LD_PRELOAD=SHIM, FAKEMLX_ROOT=root, PYTHONPATH=collections_path(), LC_ALL='C', **(env or {}))
        res = subprocess.run([sys.executable, os.path.join(REPO, 'plugins', 'modules', name + '.py'), handle.name],
                             env=env, capture_output=True, text=True, timeout=300, check=False)
    finally:
        os.unlink(handle.name)
    try:
        return json.loads(res.stdout)
    except ValueError:
        raise AssertionError('module %s printed no JSON (rc %s): %s %s' % (name, res.returncode, res.stdout, res.stderr))
