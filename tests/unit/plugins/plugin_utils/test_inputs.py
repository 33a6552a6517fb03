# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/inputs.py: a host's connectx_* variables against the roles' own argument specs, one sentence each."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.homelab.connectx.plugins.plugin_utils import inputs

DATA_PATH = ['tools', 'firmware', 'port_config', 'driver', 'interfaces', 'link_check']


@pytest.fixture(scope='module')
def specs():
    return inputs.load_specs(DATA_PATH)


@pytest.mark.parametrize('name, value, words', [
    ('connectx_interfaces', 'ens1', "connectx_interfaces is the string 'ens1', but it must be a list of mappings with the "
                                    "keys name (required), address, mtu, bridge"),
    ('connectx_interfaces', [{'name': 'ens1', 'mtu': 'big'}], 'must be a list of mappings'),
    ('connectx_interfaces', [{'address': '198.18.1.1/30'}], 'name'),
    ('connectx_iperf3', 'sometimes', "connectx_iperf3 is the string 'sometimes', but it must be true or false"),
    ('connectx_link_wait', 'soon', 'must be a whole number'),
    ('connectx_tool', 'flint', 'must be one of mstflint, mft'),
    ('connectx_links', {'name': 'x'}, 'connectx_links is'),
])
def test_a_bad_variable_is_one_sentence_naming_host_variable_and_what_it_must_be(specs, name, value, words):
    errors, warnings = inputs.check('pve2', specs, {name: value}, inputs.known_variables())
    assert len(errors) == 1 and not warnings, (errors, warnings)
    assert errors[0].startswith('pve2: %s is ' % name) and words in errors[0], errors[0]
    assert errors[0].endswith('Fix it where pve2 sets it.')
    assert len(errors[0]) < 600, errors[0]


def test_good_values_pass(specs):
    values = {'connectx_interfaces': [{'name': 'ens1', 'address': '198.18.1.1/30', 'mtu': '9000'}],
              'connectx_tool': 'mstflint', 'connectx_iperf3': 'yes', 'connectx_link_wait': 90,
              'connectx_firmware_image': 'firmware/fw.bin', 'connectx_allow_psid_change': True,
              'connectx_links': [{'name': 'a-b', 'a': {'host': 'a', 'iface': 'ens1'},
                                  'b': {'host': 'b', 'iface': 'ens1'}, 'speed_mbps': 40000}]}
    assert inputs.check('pve1', specs, values, inputs.known_variables()) == ([], [])


def test_every_bad_variable_is_named_not_only_the_first(specs):
    errors = inputs.check('pve1', specs, {'connectx_tool': 'x', 'connectx_iperf3': 'maybe'})[0]
    assert [e.split(' ')[1] for e in errors] == ['connectx_iperf3', 'connectx_tool']


def test_a_misspelt_variable_is_warned_with_the_closest_name(specs):
    warnings = inputs.check('pve1', specs, {'connectx_firmare_image': 'fw.bin'}, inputs.known_variables())[1]
    assert warnings == ['pve1: connectx_firmare_image is not a variable of homelab.connectx, nothing reads it - did '
                        'you mean connectx_firmware_image?']


def test_documented_facts_and_other_roles_variables_are_known(specs):
    known = inputs.known_variables()
    values = {'connectx_reboot_pending': ['firmware'], 'connectx_winof_install': False, 'connectx_restore_image': 'x.image'}
    assert inputs.check('pve1', specs, values, known) == ([], [])
    assert 'connectx_tools_state' in known


@pytest.mark.parametrize('allow', [True, 'yes', 'true'])
def test_a_psid_change_allowed_without_an_image_is_warned(specs, allow):
    values = {'connectx_allow_psid_change': allow, 'connectx_firmware_image': ''}
    assert inputs.check('ws1', specs, values) == ([], [])  # a play that burns nothing (verify, restore)
    warnings = inputs.check('ws1', specs, values, burns=True)[1]
    assert warnings == ['ws1: connectx_allow_psid_change is true but connectx_firmware_image is not set, so nothing is '
                        'burned on ws1: set the image for it, or leave the PSID change off for it.']
    assert inputs.check('ws1', specs, {'connectx_allow_psid_change': False}, burns=True) == ([], [])


def test_an_unhashable_value_is_an_error_not_a_traceback(specs):
    errors = inputs.check('pve1', specs, {'connectx_allow_psid_change': ['yes']}, burns=True)[0]
    assert errors and errors[0].startswith("pve1: connectx_allow_psid_change is ['yes'], but it must be true or false")


@pytest.mark.parametrize('name, words', [
    ('connectx_mft_packages', 'a list of paths (strings)'),
    ('connectx_firmware_backup_items', 'a list of values from image, config, rom, vpd'),
])
def test_what_a_list_must_be(specs, name, words):
    assert inputs.expected(specs[name]).startswith(words), inputs.expected(specs[name])


def test_another_entry_point(specs):
    restore = inputs.load_specs(['firmware:restore'])
    assert 'connectx_restore_image' in restore and 'connectx_restore_image' not in specs
    assert 'firmware:restore' in inputs.entry_points() and 'tools' in inputs.entry_points()
    errors = inputs.check('pve1', restore, {'connectx_restore_other_card': 'sometimes'})[0]
    assert errors and 'connectx_restore_other_card' in errors[0]


def test_the_specs_are_the_roles_own(specs):
    assert specs['connectx_tool']['choices'] == ['mstflint', 'mft']
    assert inputs.known_roles() == sorted(DATA_PATH + ['common', 'windows_host'])
    assert 'connectx_winof_installer' in inputs.load_specs(['windows_host']) or \
        [n for n in inputs.load_specs(['windows_host']) if n.startswith('connectx_winof')]
