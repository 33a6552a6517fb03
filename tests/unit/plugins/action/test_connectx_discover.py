# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin connectx_discover: one mlx_device_info call with the options of plugin_utils/discovery.py, its
result as the host facts; read-only, the same in check mode; a failed discovery is a failure with a reason."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.homelab.connectx.plugins.action.connectx_discover import ActionModule

FOUND = {'changed': False, 'devices': [{'pci_address': '0000:03:00.0', 'family': 'connectx3'}],
         'tool': {'name': 'mstflint', 'installed': False, 'version': None}, 'os': {'id': 'debian', 'version_id': '12'},
         'network': {}, 'packages': {'mstflint': {'installed': False, 'version': None, 'held': None}}}


def run(found, check=False, task_vars=None, **args):
    calls = []
    task = Task()
    task.args = args
    task.check_mode = check
    play_context = PlayContext()
    play_context.check_mode = check
    action = ActionModule(task, mock.MagicMock(), play_context, loader=mock.MagicMock(), templar=None,
                          shared_loader_obj=None)

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        calls.append((module_name, module_args, action._task.check_mode))
        return dict(found)
    action._execute_module = execute
    return action.run(task_vars=dict({'inventory_hostname': 'pve1'}, **(task_vars or {}))), calls


def test_one_call_with_the_defaults_and_the_facts():
    result, calls = run(FOUND, task_vars={'ansible_host': '192.0.2.11'})
    expected = {'tool': 'mstflint', 'packages': ['mstflint', 'pciutils', 'ethtool'], 'connection_addresses': ['192.0.2.11']}
    assert calls == [('homelab.connectx.mlx_device_info', expected, False)]
    facts = result['ansible_facts']
    assert facts['connectx_cards'] == FOUND['devices'] and facts['connectx_tools_state']['installed'] is False
    assert facts['connectx_node']['packages'] == FOUND['packages']
    assert facts['connectx_node']['discovery'] == calls[0][1]
    assert not result['changed'] and not result.get('failed')
    assert result['msg'] == 'pve1: 1 ConnectX card(s) (0000:03:00.0); tool mstflint not installed'


def test_mft_and_check_mode_read_all_the_same():
    result, calls = run(FOUND, check=True, tool='mft', extra_packages=['pciutils'])
    expected = {'tool': 'mft', 'packages': ['pciutils'], 'connection_addresses': []}
    assert calls == [('homelab.connectx.mlx_device_info', expected, True)]
    assert result['ansible_facts']['connectx_node']['discovery']['tool'] == 'mft'


def test_a_failed_discovery_fails_with_its_reason():
    result, calls = run({'failed': True, 'reason': 'no_device', 'msg': '0000:09:00.0 is not a Mellanox device.'})
    assert result['failed'] and result['reason'] == 'no_device' and 'ansible_facts' not in result
    assert result['msg'] == 'The discovery of pve1 failed: 0000:09:00.0 is not a Mellanox device. Nothing has been changed.'


def test_a_bad_package_is_refused_before_any_call():
    result, calls = run(FOUND, mstflint_package='=4.21')
    assert calls == [] and result['failed'] and result['reason'] == 'invalid_option'
