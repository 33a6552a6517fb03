# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils.netstack: the management path. The procfs texts are this project's build machine's
(tests/unit/fixtures/local/proc-net-route.txt, proc-net-ipv6_route.txt: a default route over eth0 in each family,
and the kernel's unreachable IPv6 default over lo)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.homelab.connectx.plugins.module_utils import netstack

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'local')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_default_routes_of_both_families_once_each_never_lo():
    assert netstack.default_route_interfaces(fixture('proc-net-route.txt'), fixture('proc-net-ipv6_route.txt')) == ['eth0']


def test_a_default_route_over_a_bridge_and_one_over_ipv6_only():
    route = fixture('proc-net-route.txt').replace('eth0\t00000000', 'vmbr0\t00000000')
    assert netstack.default_route_interfaces(route, fixture('proc-net-ipv6_route.txt')) == ['vmbr0', 'eth0']
    assert netstack.default_route_interfaces('', '') == []


def _dev(root, name, lower=(), brif=()):
    base = root / name
    base.mkdir(parents=True, exist_ok=True)
    for dev in lower:
        (base / ('lower_' + dev)).symlink_to(root / dev)
    if brif:
        (base / 'brif').mkdir()
        for dev in brif:
            (base / 'brif' / dev).mkdir()


def test_stacks_follow_bridge_vlan_and_bond_down_to_the_ports(tmp_path):
    # vmbr0 on the VLAN bond0.10, on the bond of eno1 and eno2; vmbr1 lists its port in brif/ only.
    for port in ('eno1', 'eno2', 'ens1'):
        _dev(tmp_path, port)
    _dev(tmp_path, 'bond0', lower=['eno1', 'eno2'])
    _dev(tmp_path, 'bond0.10', lower=['bond0'])
    _dev(tmp_path, 'vmbr0', lower=['bond0.10'])
    _dev(tmp_path, 'vmbr1', brif=['ens1'])
    assert netstack.lower_devices(str(tmp_path), 'vmbr0') == ['bond0', 'bond0.10', 'eno1', 'eno2']
    assert netstack.stacks(str(tmp_path)) == {
        'bond0': ['eno1', 'eno2'], 'bond0.10': ['bond0', 'eno1', 'eno2'],
        'vmbr0': ['bond0', 'bond0.10', 'eno1', 'eno2'], 'vmbr1': ['ens1']}
    assert netstack.stacks(str(tmp_path / 'missing')) == {}


def test_protected_interfaces_filter():
    from ansible_collections.homelab.connectx.plugins.filter.network import connectx_protected_interfaces
    network = {'default_route': ['vmbr0'], 'lower': {'vmbr0': ['bond0', 'eno1', 'eno2'], 'vmbr9': ['ens9']}}
    assert connectx_protected_interfaces(network) == ['bond0', 'eno1', 'eno2', 'vmbr0']
    assert connectx_protected_interfaces(network, 'vmbr9') == ['bond0', 'eno1', 'eno2', 'ens9', 'vmbr0', 'vmbr9']
    assert connectx_protected_interfaces({}, '') == []
