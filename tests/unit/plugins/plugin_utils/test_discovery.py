# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/discovery.py: mlx_device_info's options for the one discovery, and the facts from its result."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.homelab.connectx.plugins.plugin_utils import discovery

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_module_args_mstflint_with_host():
    assert discovery.module_args('mstflint', 'mstflint=4.21.0+1-1', ['pciutils', 'ethtool'], '192.0.2.11') == {
        'tool': 'mstflint', 'packages': ['mstflint', 'pciutils', 'ethtool'], 'connection_addresses': ['192.0.2.11']}


def test_module_args_mft_leaves_mstflint_out_and_no_host_no_address():
    assert discovery.module_args('mft', 'mstflint=4.21.0+1-1', ['pciutils', 'ethtool=1:6.1-1'], None) == {
        'tool': 'mft', 'packages': ['pciutils', 'ethtool'], 'connection_addresses': []}
    assert discovery.module_args('mft', 'mstflint', [], '')['connection_addresses'] == []


def test_module_args_each_package_once():
    args = discovery.module_args('mstflint', 'mstflint', ['mstflint=4.21.0+1-1', 'pciutils', 'pciutils'])
    assert args['packages'] == ['mstflint', 'pciutils']


@pytest.mark.parametrize('tool, package, extra', [
    ('flint', 'mstflint', []), ('mstflint', '', []), ('mstflint', None, []), ('mstflint', 'mstflint', 'pciutils'),
    ('mstflint', 'mstflint', [42]), ('mstflint', 'mstflint', ['=1.0']),
])
def test_module_args_refuses_bad_input(tool, package, extra):
    with pytest.raises(ValueError):
        discovery.module_args(tool, package, extra)


def test_facts_from_a_discovery():
    found = {'changed': False, 'devices': [{'pci_address': '0000:03:00.0'}],
             'tool': {'name': 'mstflint', 'installed': True, 'version': '4.21.0'},
             'os': {'id': 'debian', 'version_id': '12'}, 'network': {'connection': ['vmbr0']},
             'packages': {'mstflint': {'installed': True, 'version': '4.21.0+1-1', 'held': True}}}
    args = discovery.module_args('mstflint', 'mstflint=4.21.0+1-1', ['pciutils'], 'pve1')
    assert discovery.facts(found, args) == {
        'connectx_cards': [{'pci_address': '0000:03:00.0'}],
        'connectx_tools_state': {'name': 'mstflint', 'installed': True, 'version': '4.21.0'},
        'connectx_node': {'os': {'id': 'debian', 'version_id': '12'}, 'network': {'connection': ['vmbr0']},
                          'packages': found['packages'], 'discovery': args},
    }


def test_facts_of_an_empty_result_say_not_installed():
    out = discovery.facts({}, {})
    assert out['connectx_cards'] == [] and out['connectx_tools_state'] == {'installed': False}
    assert out['connectx_node'] == {'os': {}, 'network': {}, 'packages': {}, 'discovery': {}}
    assert discovery.facts(None, None)['connectx_tools_state']['installed'] is False


def test_defaults_are_the_tools_roles():
    with open(os.path.join(REPO, 'roles', 'tools', 'defaults', 'main.yml')) as handle:
        defaults = yaml.safe_load(handle)
    assert defaults['connectx_mstflint_package'] == discovery.MSTFLINT_PACKAGE
    assert defaults['connectx_tools_extra_packages'] == list(discovery.EXTRA_PACKAGES)


class Templar(object):
    def template(self, value):
        return value.replace('{{ address }}', '192.0.2.12')


def test_connection_address_is_the_templated_ansible_host():
    assert discovery.connection_address(Templar(), {'ansible_host': '{{ address }}'}) == '192.0.2.12'
    assert discovery.connection_address(None, {'ansible_host': 'pve1.example'}) == 'pve1.example'
    assert discovery.connection_address(Templar(), {}) is None
    assert discovery.connection_address(None, {'ansible_host': ' '}) is None
