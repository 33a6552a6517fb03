# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sh(): how the lab tests run a command on the controller (argv, no shell, text output captured), failing the test
on a non-zero exit with the command, its exit code and its output. A test module takes its own defaults with
shell(), e.g. ``sh = shell(timeout=1800, cwd=REPO, set_env=ANSIBLE_SETTINGS, tail=(6000, 3000), sep='\\n')``."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess

LAB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(LAB))
ANSIBLE_CFG = os.path.join(REPO, 'ansible.cfg')
# What the playbook tests set over the environment: UTF-8 output, the repo's ansible.cfg, no colours in the output.
ANSIBLE_SETTINGS = {'LC_ALL': 'C.UTF-8', 'LANG': 'C.UTF-8', 'ANSIBLE_CONFIG': ANSIBLE_CFG, 'ANSIBLE_FORCE_COLOR': '0'}


def _tail(text, keep):
    return text if keep is None else text[-keep:]


def sh(argv, check=True, timeout=600, env=None, cwd=None, base_env=None, set_env=None, tail=(None, None), sep=''):
    """Run argv; its CompletedProcess. The environment: ``base_env`` (default os.environ as it is now), ``set_env``
    over it, then ``env`` over that. With ``check``, a non-zero exit fails the test: an AssertionError with argv, the
    exit code, the last tail[0] characters of stdout, ``sep``, the last tail[1] of stderr (None: all of it)."""
    full = dict(os.environ if base_env is None else base_env)
    full.update(set_env or {})
    full.update(env or {})
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, env=full, cwd=cwd)
    if check and res.returncode != 0:
        raise AssertionError('%s: rc %s\n%s%s%s' % (argv, res.returncode, _tail(res.stdout, tail[0]), sep,
                                                    _tail(res.stderr, tail[1])))
    return res


def shell(timeout=600, cwd=None, base_env=None, set_env=None, tail=(None, None), sep=''):
    """A test module's sh(argv, check=True, timeout=<its default>, env=None): sh() with the module's settings
    (``env`` is set over them, call by call)."""
    def run(argv, check=True, timeout=timeout, env=None):
        return sh(argv, check=check, timeout=timeout, env=env, cwd=cwd, base_env=base_env, set_env=set_env, tail=tail,
                  sep=sep)
    return run
