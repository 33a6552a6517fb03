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
    assert hosts == {'pve1': {'tool': HELD, 'tool_text': 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)'}}
    model = links.link_report([], [], hosts=hosts)
    assert model['hosts'] == [{'name': 'pve1', 'tool': HELD, 'tool_text': 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)'}]
