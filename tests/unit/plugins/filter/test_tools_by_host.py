# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The card tool per host in the link report: version, package, hold."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.homelab.connectx.plugins.filter import links as link_filters
from ansible_collections.homelab.connectx.plugins.plugin_utils import links

HELD = {'name': 'mstflint', 'version': '4.21.0', 'supports_connectx3': True, 'installed': True,
        'package': 'mstflint', 'package_version': '4.21.0+1-1', 'held': True}


@pytest.mark.parametrize('state, text', [
    (HELD, 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)'),
    (dict(HELD, held=False), 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, not held: apt upgrade may replace it)'),
    (dict(HELD, version='4.31.0', package_version='4.31.0+1-1', supports_connectx3=False),
     'mstflint 4.31.0 (package mstflint 4.31.0+1-1, held) - does not support ConnectX-3'),
    ({'name': 'mft', 'version': '4.22.1', 'installed': True, 'package': 'mft', 'package_version': None, 'held': None},
     'mft 4.22.1'),
    ({'name': 'mft', 'version': '4.22.1', 'installed': True, 'package': 'mft', 'package_version': '4.22.1-1', 'held': False},
     'mft 4.22.1 (package mft 4.22.1-1, not held)'),
    ({'name': 'mstflint', 'installed': False, 'package': 'mstflint'}, 'mstflint not installed'),
    ({}, '-'),
])
def test_tool_text(state, text):
    assert link_filters.tool_text(state) == text


def test_the_report_lists_each_host_with_its_tool():
    hostvars = {'pve1': {'connectx_tools_state': HELD}, 'ws9': {}}
    hosts = link_filters.connectx_tools_by_host(hostvars, ['pve1', 'ws9', 'not-in-inventory'])
    assert hosts == {'pve1': {'tool': HELD, 'tool_text': 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)', 'system': None}}
    model = links.link_report([], [], hosts=hosts)
    assert model['hosts'] == [{'name': 'pve1', 'tool': HELD, 'tool_text': 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)',
                               'system': None}]


DEBIAN12 = {'id': 'debian', 'version_id': '12', 'version_codename': 'bookworm', 'pretty_name': 'Debian GNU/Linux 12 (bookworm)'}
DEBIAN13 = {'id': 'debian', 'version_id': '13', 'version_codename': 'trixie', 'pretty_name': 'Debian GNU/Linux 13 (trixie)'}


def test_a_proxmox_ve_9_node_shows_its_release_and_where_its_mstflint_comes_from():
    # As the lab's run of site.yml on a Proxmox VE 8 and a Proxmox VE 9 node reports them.
    hostvars = {'pve1': {'connectx_tools_state': HELD, 'connectx_node': {'os': DEBIAN12}},
                'pve2': {'connectx_tools_state': HELD, 'connectx_node': {'os': DEBIAN13}},
                'pve9': {'connectx_tools_state': dict(HELD, version='4.31.0', package_version='4.31.0+1-4', held=False,
                                                      supports_connectx3=False), 'connectx_node': {'os': DEBIAN13}}}
    hosts = link_filters.connectx_tools_by_host(hostvars, ['pve1', 'pve2', 'pve9'])
    assert hosts['pve1']['tool_text'] == 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)'
    assert hosts['pve1']['system'] == 'Debian GNU/Linux 12 (bookworm)'
    assert hosts['pve2']['tool_text'] == 'mstflint 4.21.0 (package mstflint 4.21.0+1-1 from Debian 12 bookworm, pinned, held)'
    assert hosts['pve2']['system'] == 'Debian GNU/Linux 13 (trixie)'
    assert hosts['pve9']['tool_text'] == ('mstflint 4.31.0 (package mstflint 4.31.0+1-4, not held: apt upgrade may replace it) '
                                          '- does not support ConnectX-3')
