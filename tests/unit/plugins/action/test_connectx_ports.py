# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin connectx_ports: the preview and the reboot check before the first setting (a refusal sets
nothing), only the cards that differ set, the mlx4 fallback for an unreadable configuration, what the host must
reboot for as a host fact, and a failure that says what the host must still reboot for."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

from ansible.errors import AnsibleError

from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.homelab.connectx.plugins.action.connectx_ports import ActionModule

CARDS = [{'pci_address': '0000:03:00.0'}, {'pci_address': '0000:04:00.0'}]
ETH = {'LINK_TYPE_P1': 'ETH', 'LINK_TYPE_P2': 'ETH'}
GUARD = {'guests': 'refuse', 'parallel': 1}


class Host(object):
    """mlx_config's answers per card (differs: True/False, or a failure dict) and the calls in order."""

    def __init__(self, differs, guard_refuses=False):
        self.differs, self.guard_refuses, self.calls = differs, guard_refuses, []

    def __call__(self, name, args, check):
        self.calls.append((name, check, args.get('device')))
        if name == 'pve_reboot_guard':
            if self.guard_refuses:
                return {'failed': True, 'reason': 'not_quorate', 'msg': 'Refused to reboot pve1: the cluster is not quorate'}
            return {'changed': False}
        answer = self.differs[args['device']]
        if isinstance(answer, dict):
            return dict(answer)
        return {'changed': answer, 'reboot_required': answer,
                'diff': {'before': 'LINK_TYPE_P1: VPI\n', 'after': 'LINK_TYPE_P1: ETH\n'} if answer else {}}


def run(host, check=False, **args):
    task = Task()
    task.args = dict(devices=CARDS, settings=ETH, tool='mstflint')
    task.args.update(args)
    task.check_mode = check
    play_context = PlayContext()
    play_context.check_mode = check
    action = ActionModule(task, mock.MagicMock(), play_context, loader=mock.MagicMock(), templar=None,
                          shared_loader_obj=None)

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        return host(module_name.split('.')[-1], module_args, action._task.check_mode)
    action._execute_module = execute
    return action.run(task_vars={'inventory_hostname': 'pve1'})


def test_the_node_is_checked_before_the_first_setting_and_only_the_card_that_differs_is_set():
    host = Host({'0000:03:00.0': True, '0000:04:00.0': False})
    result = run(host, reboot_check=GUARD)
    assert not result.get('failed'), result
    assert host.calls == [('mlx_config', True, '0000:03:00.0'), ('mlx_config', True, '0000:04:00.0'),
                          ('pve_reboot_guard', True, None), ('mlx_config', False, '0000:03:00.0')]
    assert result['changed'] and result['reboot_required']
    assert result['ansible_facts']['connectx_reboot_pending'] == ['the ConnectX port settings']
    assert [c['pci_address'] for c in result['cards'] if c['changed']] == ['0000:03:00.0']
    assert result['diff'][0]['after'] == 'LINK_TYPE_P1: ETH\n'


def test_a_node_that_may_not_reboot_is_refused_before_any_setting():
    host = Host({'0000:03:00.0': True, '0000:04:00.0': True}, guard_refuses=True)
    result = run(host, reboot_check=GUARD)
    assert result['failed'] and result['reason'] == 'not_quorate'
    assert result['msg'].endswith('(before setting LINK_TYPE_P1=ETH, LINK_TYPE_P2=ETH)')
    assert not [c for c in host.calls if c[0] == 'mlx_config' and not c[1]]
    assert 'ansible_facts' not in result


def test_settings_as_asked_need_no_guard_and_no_reboot():
    host = Host({'0000:03:00.0': False, '0000:04:00.0': False})
    result = run(host, reboot_check=GUARD)
    assert not result['changed'] and not result['reboot_required'] and 'ansible_facts' not in result
    assert [c[0] for c in host.calls] == ['mlx_config', 'mlx_config']


def test_check_mode_previews_and_sets_nothing():
    host = Host({'0000:03:00.0': True, '0000:04:00.0': False})
    result = run(host, check=True, reboot_check=GUARD)
    assert result['changed'] and result['reboot_required']
    assert all(check for name, check, device in host.calls)


def test_with_a_reboot_pending_the_settings_are_set_without_preview_or_guard():
    host = Host({'0000:03:00.0': True, '0000:04:00.0': False})
    result = run(host, reboot_check=GUARD, reboot_pending=['the new ConnectX firmware'])
    assert host.calls == [('mlx_config', False, '0000:03:00.0'), ('mlx_config', False, '0000:04:00.0')]
    assert result['ansible_facts']['connectx_reboot_pending'] == ['the new ConnectX firmware', 'the ConnectX port settings']


def test_an_unreadable_configuration_hands_the_port_types_to_the_driver():
    unreadable = {'failed': True, 'reason': 'config_unreadable', 'msg': 'cannot read', 'port_type_array': '2,2'}
    host = Host({'0000:03:00.0': unreadable, '0000:04:00.0': False})
    result = run(host, settings=dict(ETH, SRIOV_EN=False))
    assert not result.get('failed'), result
    assert result['ansible_facts'] == {'connectx_port_type_fallback': '2,2'}
    assert 'port_type_array=2,2' in result['warnings'][0] and 'Other settings (SRIOV_EN)' in result['warnings'][0]


def test_an_unreadable_configuration_without_the_fallback_fails():
    unreadable = {'failed': True, 'reason': 'config_unreadable', 'msg': 'cannot read', 'port_type_array': '2,2'}
    host = Host({'0000:03:00.0': unreadable, '0000:04:00.0': False})
    result = run(host, fallback=False)
    assert result['failed'] and result['reason'] == 'config_unreadable'


def test_a_failure_after_a_burn_says_what_the_host_must_still_reboot_for():
    failure = {'failed': True, 'reason': 'verify_failed', 'msg': 'LINK_TYPE_P1 reads back as VPI.'}
    host = Host({'0000:03:00.0': True, '0000:04:00.0': failure})
    result = run(host, reboot_pending=['the new ConnectX firmware'])
    assert result['failed'] and result['reason'] == 'verify_failed'
    assert result['msg'] == ('LINK_TYPE_P1 reads back as VPI. pve1 must still reboot for the new ConnectX firmware and '
                             'the ConnectX port settings: fix the cause and run the play again (it reboots and '
                             'confirms), or reboot the host by hand.')


def test_only_the_selected_card_is_read_and_set():
    host = Host({'0000:03:00.0': True, '0000:04:00.0': True})
    result = run(host, select=['04:00.0'], reboot_check=GUARD)
    assert [device for name, check, device in host.calls if name == 'mlx_config'] == ['0000:04:00.0', '0000:04:00.0']
    assert [c['pci_address'] for c in result['cards']] == ['0000:04:00.0']


def test_without_the_tools_nothing_is_read_and_the_plan_is_said():
    host = Host({})
    result = run(host, check=True, tools_installed=False, reboot_check=GUARD)
    assert host.calls == [] and not result['changed'] and not result.get('failed')
    assert result['msg'] == ("pve1: the port settings (LINK_TYPE_P1=ETH, LINK_TYPE_P2=ETH) are compared with each "
                             "card's configuration once the tools are installed")


def test_preflight_refuses_a_bad_setting_before_anything_runs():
    host = Host({})
    result = run(host, preflight=True, devices=[], settings={'LINK_TYPE_P1': 'ETH(1)'})
    assert result['failed'] and result['reason'] == 'invalid_argument' and host.calls == []
    assert 'names ETH but gives the number 1' in result['msg'] and result['msg'].endswith('Nothing has been changed.')


def test_a_connection_lost_after_a_card_was_set_says_the_settings_are_pending_too():
    class Lost(Host):
        def __call__(self, name, args, check):
            if args.get('device') == '0000:04:00.0':
                raise AnsibleError('the connection was lost')
            return Host.__call__(self, name, args, check)
    host = Lost({'0000:03:00.0': True})
    result = run(host)
    assert result['failed'] and result['reason'] == 'ports_error'
    assert 'pve1 must still reboot for the ConnectX port settings' in result['msg']
