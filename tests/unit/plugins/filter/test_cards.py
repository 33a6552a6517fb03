# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/filter/cards.py, the port settings' checks (action connectx_ports), and the mlx4_core port type numbers of parse_mlxconfig.driver_port_types."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.action.connectx_ports import settings_problems
from ansible_collections.homelab.connectx.plugins.filter.cards import connectx_select_cards
from ansible_collections.homelab.connectx.plugins.module_utils import parse_mlxconfig

CARDS = [{'pci_address': '0000:03:00.0'}, {'pci_address': '0000:04:00.0'}]


def test_select_cards():
    assert connectx_select_cards(CARDS, []) == CARDS
    assert connectx_select_cards(CARDS, ['04:00.0']) == [CARDS[1]]
    with pytest.raises(AnsibleFilterError):
        connectx_select_cards('0000:03:00.0', [])


@pytest.mark.parametrize('settings, expected', [
    ({'LINK_TYPE_P1': 'ETH', 'LINK_TYPE_P2': 'ETH(2)'}, '2,2'),
    ({'link_type_p1': 'IB', 'LINK_TYPE_P2': 3}, '1,0'),
    ({'LINK_TYPE_P2': 'VPI'}, '0'),
    ({'SRIOV_EN': True}, ''),
])
def test_driver_port_types(settings, expected):
    assert parse_mlxconfig.driver_port_types(settings) == expected


@pytest.mark.parametrize('settings, problem', [
    ({'LINK_TYPE_P1': 'ETH', 'LINK_TYPE_P2': 'ETH'}, None),
    ({'LINK_TYPE_P1': 'eth', 'SRIOV_EN': True, 'NUM_OF_VFS': 8}, None),
    ({'LINK_TYPE_P1': True}, 'LINK_TYPE_P1: True is a boolean'),
    ({'NUM_OF_VFS': True}, 'NUM_OF_VFS: True is a boolean'),
    ({'LINK_TYPE_P2': 'ETH(1)'}, "names ETH but gives the number 1 (ETH is 2)"),
    ({'link_type_p1': 'ETH'}, "'link_type_p1' is not a setting name as the tools print it"),
    ({'LINK_TYPE_P1': 'ethernet'}, 'not a valid value'),
    ({'NUM_OF_VFS': 500}, 'out of range'),
    ({'LINK TYPE': 'ETH'}, 'is not a setting name'),
    ({'CQE_COMPRESSION': True}, None),
    ('LINK_TYPE_P1=ETH', 'it must map setting names to values'),
])
def test_port_settings_problems(settings, problem):
    if not isinstance(settings, dict):
        pytest.skip('the action takes a dict (its argument spec refuses the rest)')
    problems = settings_problems(settings)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems


def test_every_bad_setting_is_named():
    problems = settings_problems(
        {'LINK_TYPE_P1': True, 'LINK_TYPE_P2': 'ETH(1)', 'NUM_OF_VFS': 500, 'SRIOV_EN': True})
    assert [p.split(':', maxsplit=1)[0] for p in problems] == ['LINK_TYPE_P1', 'LINK_TYPE_P2', 'NUM_OF_VFS'], problems


def test_select_cards_refuses_a_string_instead_of_splitting_it():
    with pytest.raises(AnsibleFilterError, match='a list of PCI addresses'):
        connectx_select_cards(CARDS, '03:00.0')
