# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

import pytest

from module_harness import load_cases, check_case

from ansible_collections.homelab.connectx.plugins.modules import link_info as mod


@pytest.mark.parametrize('case', load_cases('link_info.yaml'))
def test_link_info(case, tmp_path, monkeypatch, capsys):
    check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)


def _port(base, name, up, carrier):
    port = base / name
    port.mkdir(parents=True)
    (port / 'flags').write_text('0x1003\n' if up else '0x1002\n')
    (port / 'carrier').write_text('1\n' if carrier else '0\n')
    return port


def test_wait_for_carrier_waits_until_the_link_trains(tmp_path, monkeypatch):
    monkeypatch.setattr(mod, 'SYSFS_NET', str(tmp_path))
    port = _port(tmp_path, 'ens1', up=True, carrier=False)
    _port(tmp_path, 'ens1d1', up=False, carrier=False)  # administratively down: never waited for
    timer = threading.Timer(0.6, lambda: (port / 'carrier').write_text('1\n'))
    timer.start()
    try:
        waited = mod.wait_for_carrier(['ens1', 'ens1d1'], timeout=10, poll=0.05)
    finally:
        timer.cancel()
    assert 0.5 <= waited < 5


def test_wait_for_carrier_is_bounded_and_zero_reads_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(mod, 'SYSFS_NET', str(tmp_path))
    _port(tmp_path, 'ens1', up=True, carrier=False)  # never comes up
    start = time.time()
    assert 0.9 <= mod.wait_for_carrier(['ens1'], timeout=1, poll=0.05) < 2
    assert time.time() - start < 2
    assert mod.wait_for_carrier(['ens1'], timeout=0) == 0.0
