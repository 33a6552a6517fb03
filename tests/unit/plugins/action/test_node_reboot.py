# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin node_reboot: the guard before the reboot (its refusal stops everything), the reboot, the guard
after it, the undo after a failure (and the sentence that says what is left), the discovery after the reboot (its
failure is not a failed reboot); check mode only asks the guard, in check mode."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.homelab.connectx.plugins.action.node_reboot import ActionModule

PREPARED = {'changed': True, 'proxmox': True, 'cluster': {'name': 'homelab', 'quorate': True},
            'maintenance_entered': True, 'stopped_guests': [{'vmid': 101, 'type': 'qemu', 'name': 'web'}]}
DEVICES = [{'pci_address': '0000:03:00.0', 'psid': 'MT_1090120019', 'fw_version': '2.42.5000'}]


class Host(object):
    """What the modules and the reboot answer, and the calls in order (name, check mode, args)."""

    def __init__(self, before=None, reboot=None, after=None, undo=None, discovery=None):
        self.calls = []
        self.before = before if before is not None else PREPARED
        self.reboot = reboot if reboot is not None else {'changed': True, 'rebooted': True, 'elapsed': 42}
        self.after = after if after is not None else {'changed': True, 'proxmox': True}
        self.undo = undo if undo is not None else {'changed': True, 'proxmox': True}
        self.discovery = discovery if discovery is not None else {'changed': False, 'devices': DEVICES}

    def module(self, name, args, check):
        self.calls.append((name, check, args))
        if name == 'pve_reboot_guard':
            if args['phase'] == 'before':
                return dict(self.before)
            return dict(self.undo if args.get('wait_timeout') == 60 and not args.get('clustered') else self.after)
        if name == 'mlx_device_info':
            return dict(self.discovery)
        raise AssertionError(name)


def run(host, check=False, **args):
    task = Task()
    task.args = dict(reasons=['the new ConnectX firmware'], reboot_timeout=300, guests='shutdown', **args)
    task.check_mode = check
    play_context = PlayContext()
    play_context.check_mode = check
    action = ActionModule(task, mock.MagicMock(), play_context, loader=mock.MagicMock(), templar=None,
                          shared_loader_obj=None)

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        return host.module(module_name.split('.')[-1], module_args, action._task.check_mode)

    def reboot(args, task_vars):
        host.calls.append(('reboot', False, args))
        action._result['modules_run'].append('reboot')
        return dict(host.reboot)
    action._execute_module = execute
    action._reboot = reboot
    return action.run(task_vars={'inventory_hostname': 'pve1'})


def names(host):
    return [(name, check) for name, check, args in host.calls]


def test_reboot_then_cluster_then_discovery():
    host = Host()
    result = run(host, discover={'tool': 'mstflint'})
    assert not result.get('failed'), result
    assert names(host) == [('pve_reboot_guard', False), ('reboot', False), ('pve_reboot_guard', False),
                           ('mlx_device_info', False)]
    after = host.calls[2][2]
    assert after == {'phase': 'after', 'clustered': True, 'maintenance': True, 'wait_timeout': 300,
                     'start_guests': PREPARED['stopped_guests']}
    assert host.calls[0][2] == {'phase': 'before', 'guests': 'shutdown', 'parallel': 1}
    assert result['changed'] and result['rebooted'] and result['discovery']['devices'] == DEVICES
    assert result['modules_run'] == ['pve_reboot_guard', 'reboot', 'pve_reboot_guard', 'mlx_device_info']


def test_not_proxmox_no_guard_after_and_no_discovery_without_the_option():
    host = Host(before={'changed': False, 'proxmox': False})
    result = run(host)
    assert names(host) == [('pve_reboot_guard', False), ('reboot', False)]
    assert result['rebooted'] and result['discovery'] is None


def test_a_refusal_of_the_guard_stops_before_the_reboot():
    host = Host(before={'failed': True, 'reason': 'quorum_loss', 'msg': 'Refused to reboot pve1: quorum. Nothing has been changed.'})
    result = run(host)
    assert names(host) == [('pve_reboot_guard', False)]
    assert result['failed'] and result['reason'] == 'quorum_loss' and not result['rebooted']
    assert 'Nothing has been changed' in result['msg']


def test_check_mode_only_asks_the_guard_in_check_mode():
    host = Host()
    result = run(host, check=True, discover={'tool': 'mstflint'})
    assert names(host) == [('pve_reboot_guard', True)]
    assert result['changed'] and not result['rebooted'] and result['discovery'] is None
    assert 'would reboot for the new ConnectX firmware' in result['msg']


def test_a_failed_reboot_is_undone_and_says_so():
    host = Host(reboot={'failed': True, 'rebooted': False, 'msg': 'Timed out waiting for last boot time check'})
    result = run(host, discover={'tool': 'mstflint'})
    assert names(host) == [('pve_reboot_guard', False), ('reboot', False), ('pve_reboot_guard', False)]
    assert host.calls[2][2]['clustered'] is False and host.calls[2][2]['wait_timeout'] == 60
    assert result['failed'] and result['reason'] == 'reboot_failed'
    assert result['msg'] == ('The reboot of pve1 failed: Timed out waiting for last boot time check. '
                             'The HA maintenance was left and the stopped guests were started again.')


def test_a_failed_undo_says_what_is_left_to_do_by_hand():
    host = Host(after={'failed': True, 'msg': 'pve1 is not back in a quorate cluster within 300 s.'},
                undo={'failed': True, 'msg': 'ha-manager failed'})
    result = run(host)
    assert names(host) == [('pve_reboot_guard', False), ('reboot', False), ('pve_reboot_guard', False),
                           ('pve_reboot_guard', False)]
    assert result['failed'] and result['rebooted']
    assert result['msg'] == ('The reboot of pve1 failed: pve1 is not back in a quorate cluster within 300 s. '
                             'Left to do by hand: leave the HA maintenance (ha-manager crm-command node-maintenance '
                             'disable pve1) and start 101.')


def test_nothing_to_undo_nothing_to_say():
    host = Host(before={'changed': False, 'proxmox': True, 'cluster': None, 'maintenance_entered': False,
                        'stopped_guests': []},
                reboot={'failed': True, 'msg': 'Reboot command failed'})
    result = run(host)
    assert names(host) == [('pve_reboot_guard', False), ('reboot', False)]
    assert result['msg'] == 'The reboot of pve1 failed: Reboot command failed.'


def test_a_failed_discovery_is_not_a_failed_reboot():
    host = Host(discovery={'failed': True, 'reason': 'tool_failed', 'msg': 'mstflint: cannot open device'})
    result = run(host, discover={'tool': 'mstflint'})
    assert result['failed'] and result['rebooted'] and result['reason'] == 'tool_failed'
    assert result['msg'] == 'pve1 rebooted, but the cards could not be discovered after it: mstflint: cannot open device'


# The reboot's facts, the confirmation of the burned cards (issue 33: the one reboot in one place) and a card that
# keeps its old firmware after a warm reboot.
TARGET = {'pci_address': '0000:03:00.0', 'psid': 'MT_1090120019', 'fw_version': '2.42.5000', 'backup': 'backups/pve1'}


def test_after_the_reboot_the_facts_are_the_new_discovery_and_nothing_is_pending():
    host = Host(before={'changed': False, 'proxmox': False})
    result = run(host, discover={'tool': 'mstflint', 'packages': ['mstflint']})
    facts = result['ansible_facts']
    assert facts['connectx_reboot_pending'] == [] and facts['connectx_reboot_expect'] == [] and facts['connectx_rebooted']
    assert facts['connectx_cards'] == DEVICES
    assert facts['connectx_node']['discovery'] == {'tool': 'mstflint', 'packages': ['mstflint']}


def test_the_burned_cards_are_confirmed_running_the_target():
    host = Host(before={'changed': False, 'proxmox': False},
                discovery={'devices': [dict(DEVICES[0], fw_version_running='2.42.5000')]})
    result = run(host, discover={'tool': 'mstflint'}, expect=[TARGET])
    assert not result.get('failed'), result
    assert result['confirmed'] == ['pve1 0000:03:00.0: MT_1090120019 2.42.5000 running']
    assert 'MT_1090120019 2.42.5000 running' in result['msg']


def test_a_card_that_still_runs_the_old_firmware_needs_a_cold_start():
    host = Host(before={'changed': False, 'proxmox': False},
                discovery={'devices': [dict(DEVICES[0], fw_version_running='2.40.5030')]})
    result = run(host, discover={'tool': 'mstflint'}, expect=[TARGET])
    assert result['failed'] and result['reason'] == 'cold_boot_needed'
    assert 'still runs 2.40.5030' in result['msg'] and 'power the node off and on' in result['msg']


def test_a_flash_without_the_target_fails_and_names_the_backup():
    host = Host(before={'changed': False, 'proxmox': False},
                discovery={'devices': [dict(DEVICES[0], psid='MT_1090110018', fw_version='2.40.5030')]})
    result = run(host, discover={'tool': 'mstflint'}, expect=[TARGET])
    assert result['failed'] and result['reason'] == 'firmware_mismatch'
    assert 'flash has PSID MT_1090110018 version 2.40.5030' in result['msg'] and 'backups/pve1/' in result['msg']


def test_a_card_gone_after_the_reboot_fails():
    host = Host(before={'changed': False, 'proxmox': False}, discovery={'devices': []})
    result = run(host, discover={'tool': 'mstflint'}, expect=[TARGET])
    assert result['failed'] and result['reason'] == 'card_missing'


def test_nothing_to_reboot_for_runs_nothing():
    task = Task()
    task.args = {'reasons': []}
    play_context = PlayContext()
    action = ActionModule(task, mock.MagicMock(), play_context, loader=mock.MagicMock(), templar=None,
                          shared_loader_obj=None)
    action._execute_module = mock.MagicMock(side_effect=AssertionError('no module may run'))
    result = action.run(task_vars={'inventory_hostname': 'pve1'})
    assert not result['changed'] and not result['rebooted'] and result['modules_run'] == []


def test_reboot_disabled_warns_reads_the_flash_again_and_keeps_the_pending_list():
    host = Host(discovery={'devices': [dict(DEVICES[0], fw_version_running='2.40.5030')]})
    result = run(host, discover={'tool': 'mstflint'}, enabled=False, expect=[TARGET])
    assert not result.get('failed'), result
    assert names(host) == [('mlx_device_info', False)]
    assert not result['rebooted'] and 'connectx_reboot is false' in result['warnings'][0]
    assert 'connectx_reboot_pending' not in result['ansible_facts']
    assert result['confirmed'] == ['pve1 0000:03:00.0: MT_1090120019 2.42.5000 on flash (reboot pending)']


def test_reboot_disabled_in_check_mode_reads_nothing():
    host = Host()
    result = run(host, check=True, discover={'tool': 'mstflint'}, enabled=False)
    assert names(host) == [] and not result.get('failed')


def test_burned_cards_without_discover_options_are_said_to_be_unconfirmed():
    host = Host(before={'changed': False, 'proxmox': False})
    result = run(host, expect=[TARGET])
    assert result['rebooted'] and not result.get('failed')
    assert 'were not confirmed' in result['warnings'][0] and '0000:03:00.0' in result['warnings'][0]
