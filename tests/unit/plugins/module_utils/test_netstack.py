# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils.netstack: the management path. The procfs texts are this project's build machine's
(tests/unit/fixtures/local/proc-net-route.txt, proc-net-ipv6_route.txt: a default route over eth0 in each family,
and the kernel's unreachable IPv6 default over lo; ip-o-addr-show-bridge.txt: iproute2 6.1.0's ``ip -o addr show`` in a
network namespace with the bridge vmbr0 over the veth eno1, addresses on vmbr0 and on eno2)."""

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


def _dev(root, name, lower=(), brif=(), upper=()):
    base = root / name
    base.mkdir(parents=True, exist_ok=True)
    for dev in lower:
        (base / ('lower_' + dev)).symlink_to(root / dev)
    for dev in upper:
        (base / ('upper_' + dev)).symlink_to(root / dev)
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


def _management_stack(root):
    """As the kernel links it (both directions): vmbr0.10, VLAN 10 of the bridge vmbr0, on bond0 of eno1 and eno2;
    ens1 alone."""
    _dev(root, 'eno1', upper=['bond0'])
    _dev(root, 'eno2', upper=['bond0'])
    _dev(root, 'bond0', lower=['eno1', 'eno2'], upper=['vmbr0'])
    _dev(root, 'vmbr0', lower=['bond0'], upper=['vmbr0.10'], brif=['bond0'])
    _dev(root, 'vmbr0.10', lower=['vmbr0'])
    _dev(root, 'ens1')


def test_upper_devices_follow_bond_bridge_and_vlan_up(tmp_path):
    _management_stack(tmp_path)
    assert netstack.upper_devices(str(tmp_path), 'eno2') == ['bond0', 'vmbr0', 'vmbr0.10']
    assert netstack.upper_stacks(str(tmp_path)) == {
        'bond0': ['vmbr0', 'vmbr0.10'], 'eno1': ['bond0', 'vmbr0', 'vmbr0.10'], 'eno2': ['bond0', 'vmbr0', 'vmbr0.10'],
        'vmbr0': ['vmbr0.10']}
    assert netstack.upper_devices(str(tmp_path), 'ens1') == []
    assert netstack.upper_stacks(str(tmp_path / 'missing')) == {}


def test_the_interface_that_holds_an_address():
    text = fixture('ip-o-addr-show-bridge.txt')
    assert netstack.address_interfaces(text, ['198.18.250.1']) == ['vmbr0']
    assert netstack.address_interfaces(text, ['2001:db8:250:0::1']) == ['vmbr0']
    assert netstack.address_interfaces(text, ['198.18.251.1', '198.18.250.1', 'pve1.lan', '']) == ['eno2', 'vmbr0']
    assert netstack.address_interfaces(text, ['198.18.250.2', 'pve1.lan']) == []
    assert netstack.address_interfaces('', ['198.18.250.1']) == []


def test_the_ssh_sessions_own_address():
    assert netstack.ssh_server_address({'SSH_CONNECTION': '198.19.0.1 51234 198.19.0.11 22'}) == '198.19.0.11'
    assert netstack.ssh_server_address({'SSH_CONNECTION': 'fe80::1%eth0 51234 2001:db8::11 22'}) == '2001:db8::11'
    assert netstack.ssh_server_address({}) is None
    assert netstack.ssh_server_address({'SSH_CONNECTION': 'garbage'}) is None


def test_the_guard_protects_the_whole_stack_the_issue_found_open(tmp_path):
    """Management on vmbr0.10 protected vmbr0.10 only; on vmbr0 over bond0 it left eno2 open (issue: reliability)."""
    from ansible_collections.homelab.connectx.plugins.filter.network import connectx_protected_interfaces
    _management_stack(tmp_path)
    network = {'default_route': ['vmbr0.10'], 'connection': [], 'lower': netstack.stacks(str(tmp_path)),
               'upper': netstack.upper_stacks(str(tmp_path))}
    whole = ['bond0', 'eno1', 'eno2', 'vmbr0', 'vmbr0.10']
    assert connectx_protected_interfaces(network) == whole
    # No default route at all, the connection comes in on vmbr0: the VLAN over it and everything under it.
    network.update(default_route=[], connection=['vmbr0'])
    assert connectx_protected_interfaces(network) == whole
    # The connection on a slave's address (unusual, but possible): the bond and bridge over it, and the bond's other slave.
    network.update(connection=['eno2'])
    assert connectx_protected_interfaces(network) == whole
    network.update(connection=[])
    assert connectx_protected_interfaces(network) == []
