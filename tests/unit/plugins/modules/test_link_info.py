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


CASES = dict((param.id, param.values[0]) for param in load_cases('link_info.yaml'))
NOT_INTERFACE_NAMES = ['-f', '-I', '--help', 'ens1\n', '../x', 'ens1/..', '198.18.12.1', 'fe80::1', '::1', 'ens1 -f', '', '.', '..',
                       'a' * 16]


@pytest.mark.parametrize('source', NOT_INTERFACE_NAMES)
def test_a_ping_source_that_is_not_an_interface_name_is_refused_before_any_command(source, tmp_path, monkeypatch, capsys):
    """ping -I takes the next word whatever it is (an address, an option): only an interface name gets there."""
    case = dict(CASES['read_then_ping_each_peer_in_one_call'], id='bad_source',
                args={'modules': False, 'interfaces': ['ens1'], 'ping': [{'source': source, 'address': '198.18.12.2'}]},
                run_command_calls=[], expected={'failed': True, 'reason': 'invalid_argument'})
    check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)
    assert mod.bad_peers([{'source': source, 'address': '198.18.12.2'}], 3) == \
        'Cannot ping: %r is not an interface name.' % source


@pytest.mark.parametrize('name', ['ens1\n', '-f', '-i', 'ens1\nens1d1'])
def test_an_interface_that_is_not_a_name_is_refused_before_any_command(name, tmp_path, monkeypatch, capsys):
    case = dict(CASES['read_then_ping_each_peer_in_one_call'], id='bad_name', args={'modules': False, 'interfaces': [name]},
                run_command_calls=[], expected={'failed': True, 'reason': 'invalid_argument', 'interfaces': [name]})
    check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)


@pytest.mark.parametrize('name', ['ens1', 'ens1d1', 'eth0.100', 'vmbr0', 'bond0:1', 'enp3s0f1np1', 'a-b', 'a' * 15])
def test_interface_names_are_taken(name):
    assert mod.IFNAME_RE.match(name) and mod.bad_peers([{'source': name, 'address': '198.18.12.2'}], 3) is None
