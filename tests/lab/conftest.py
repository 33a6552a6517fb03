# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures of the lab tests: where the lab's tools live, and a way to run a command."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import subprocess
import types

import pytest

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
EMULATOR_DIR = os.path.join(LAB_DIR, 'emulator')
FIRMWARE_DIR = os.path.join(LAB_DIR, 'firmware')


def need(*programs):
    """Skip the calling test (with the reason) when a program it needs is not installed."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip('not installed: %s' % ', '.join(missing))


def run(argv, env=None, timeout=120, stdin=None):
    """Run argv (no shell), LC_ALL=C, return CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ, LC_ALL='C')
    full_env.update(env or {})
    return subprocess.run(argv, env=full_env, capture_output=True, text=True, timeout=timeout,
                          input=stdin, check=False)


@pytest.fixture(scope='session')
def lab():
    """Helpers for the lab tests (a fixture, so tests never import a module named `conftest`)."""
    return types.SimpleNamespace(run=run, need=need, lab_dir=LAB_DIR, emulator_dir=EMULATOR_DIR,
                                 firmware_dir=FIRMWARE_DIR)
