# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin mlx_firmware runs the modules in the safe order: the burn module's own check first (a refusal
stops the job before the backup), the reboot check before the first burn, the backup and its controller copy before
the burn; check mode never burns; cards at the target and a cached image cost no call on the host."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import json
import os

import pytest

from unittest import mock

from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.homelab.connectx.plugins.action.mlx_firmware import ActionModule

SHA = hashlib.sha256(b'image').hexdigest()  # the bytes run() writes as fw.bin
TARGET = {'psid': 'MT_1090120019', 'fw_version': '2.42.5000'}
QCBT = {'pci_address': '0000:03:00.0', 'psid': 'MT_1090110018', 'fw_version': '2.40.5030', 'fw_version_running': None}
FCBT = dict(QCBT, psid='MT_1090120019', fw_version='2.42.5000')
IMAGE_BYTES = b'backup image'
NAME = 'MT_1090110018_2.40.5030_0002c90300a1b2c0.image'


def backup_result(check, name=NAME):
    digest = hashlib.sha256(IMAGE_BYTES).hexdigest()
    entry = {'path': '/var/lib/connectx/backup/' + name, 'sha256': digest, 'size': len(IMAGE_BYTES)}
    if not check:
        entry['content'] = base64.b64encode(IMAGE_BYTES).decode()
    return {'changed': True, 'files': {'image': entry}, 'written': ['image'],
            'sha256sums_content': '%s  %s\n' % (digest, name)}


class Host(object):
    """What the modules answer, and the order they were called in."""

    def __init__(self, refuse=None, guard_refuses=False):
        self.calls, self.refuse, self.guard_refuses = [], refuse, guard_refuses

    def __call__(self, module_name, module_args, task_vars, check):
        name = module_name.split('.')[-1]
        self.calls.append((name, bool(check)))
        if name == 'mlx_image_info':
            return dict(TARGET, sha256=SHA, supported=True, image_type='FS2', device_ids=['1003'])
        if name == 'pve_reboot_guard':
            if self.guard_refuses:
                return {'failed': True, 'reason': 'guests_running', 'msg': 'Refused to reboot pve1: VM 101 runs'}
            return {'changed': False, 'proxmox': False}
        if name == 'mlx_firmware_backup':
            return backup_result(check)
        if name == 'mlx_firmware_burn':
            if self.refuse:
                return {'failed': True, 'reason': self.refuse, 'msg': 'refused: ' + self.refuse}
            result = {'changed': True, 'previous': {'psid': QCBT['psid'], 'fw_version': QCBT['fw_version']},
                      'current': TARGET, 'reboot_required': True,
                      'diff': {'before': 'psid: MT_1090110018\n', 'after': 'psid: MT_1090120019\n'}}
            if not check and module_args.get('backup_dir'):
                result['burned'] = True
            return result
        raise AssertionError(name)


def run(tmp_path, host, devices, check=False, cache=None, **args):
    task = Task()
    task.args = dict(devices=devices, image=str(tmp_path / 'fw.bin'), image_sha256=SHA, allow_psid_change=True,
                     backup_dest=str(tmp_path / 'backups' / 'pve1'), cache_dir=str(tmp_path / 'cache'), tool='mstflint')
    task.args.update(args)
    task.check_mode = check
    (tmp_path / 'fw.bin').write_bytes(b'image')
    if cache:
        (tmp_path / 'cache').mkdir()
        (tmp_path / 'cache' / (SHA + '.json')).write_text(json.dumps(dict(TARGET, sha256=SHA)))
    play_context = PlayContext()
    play_context.check_mode = check
    connection = mock.MagicMock()
    connection._shell.tmpdir = '/tmp/ansible-tmp-1'
    connection._shell.join_path = os.path.join
    action = ActionModule(task, connection, play_context, loader=mock.MagicMock(), templar=None,
                          shared_loader_obj=None)

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        return host(module_name, module_args, task_vars, action._task.check_mode)
    action._execute_module = execute
    action._transfer_file = mock.MagicMock()
    action._fixup_perms2 = mock.MagicMock()
    action._remove_tmp_path = mock.MagicMock()
    result = action.run(task_vars={'inventory_hostname': 'pve1', 'inventory_dir': str(tmp_path)})
    assert action._remove_tmp_path.called  # the staged image goes, whatever happened
    return result, action


def test_a_crossflash_checks_then_backs_up_then_burns(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [QCBT], reboot_check={'guests': 'refuse', 'parallel': 1})
    assert not result.get('failed'), result
    assert host.calls == [('mlx_image_info', False), ('mlx_firmware_burn', True), ('pve_reboot_guard', True),
                          ('mlx_firmware_backup', False), ('mlx_firmware_burn', False)]
    assert result['burned'] == ['0000:03:00.0'] and result['reboot_required'] and result['changed']
    assert (tmp_path / 'backups' / 'pve1' / NAME).read_bytes() == IMAGE_BYTES
    assert json.loads((tmp_path / 'cache' / (SHA + '.json')).read_text())['psid'] == TARGET['psid']
    assert result['diff'][0]['after'] == 'psid: MT_1090120019\n'


def test_a_refusal_of_the_burn_module_stops_before_the_backup(tmp_path):
    host = Host(refuse='psid_pair_not_allowlisted')
    result, action = run(tmp_path, host, [QCBT])
    assert result['failed'] and result['reason'] == 'psid_pair_not_allowlisted'
    assert ('mlx_firmware_backup', False) not in host.calls and ('mlx_firmware_burn', False) not in host.calls
    assert not (tmp_path / 'backups').exists()


def test_a_node_that_may_not_reboot_is_refused_before_the_backup(tmp_path):
    host = Host(guard_refuses=True)
    result, action = run(tmp_path, host, [QCBT], reboot_check={'guests': 'refuse', 'parallel': 1})
    assert result['failed'] and result['reason'] == 'guests_running' and '(before the burn)' in result['msg']
    assert [c[0] for c in host.calls] == ['mlx_image_info', 'mlx_firmware_burn', 'pve_reboot_guard']


def test_check_mode_plans_without_burning_or_copying(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [QCBT], check=True)
    assert not result.get('failed') and result['changed'] and result['reboot_required'] and result['burned'] == []
    assert all(check for name, check in host.calls if name in ('mlx_firmware_burn', 'mlx_firmware_backup')), host.calls
    assert not (tmp_path / 'backups').exists() and not (tmp_path / 'cache').exists()
    assert 'would back up, then burn MT_1090120019 2.42.5000' in result['msg']


def test_cards_at_the_target_with_a_cached_image_cost_no_call_on_the_host(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [FCBT], cache=True)
    assert host.calls == [] and not result['changed'] and not result['reboot_required']
    assert not action._transfer_file.called
    assert 'at the target, left alone' in result['msg']


def test_a_card_burned_but_not_rebooted_only_needs_the_reboot(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [dict(FCBT, fw_version_running='2.40.5030')], cache=True)
    assert host.calls == [] and result['pending'] == ['0000:03:00.0'] and result['reboot_required']


def test_an_image_that_does_not_match_its_pin_on_the_controller_is_refused_before_any_call(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [QCBT], image_sha256='cd' * 32)
    assert result['failed'] and result['reason'] == 'checksum_mismatch' and host.calls == []


def test_a_restore_takes_its_checksum_and_its_one_psid_pair_from_the_backup(tmp_path):
    folder = tmp_path / 'backups' / 'pve1'
    folder.mkdir(parents=True)
    original = 'MT_1090110018_2.40.5030_0002c90300a1b2c0.image'
    (folder / original).write_bytes(b'original')
    (folder / 'SHA256SUMS').write_text('%s  %s\n' % (hashlib.sha256(b'original').hexdigest(), original))
    seen = []

    class Restoring(Host):
        def __call__(self, module_name, module_args, task_vars, check):
            if module_name.endswith('mlx_firmware_burn'):
                seen.append(dict(module_args))
            if module_name.endswith('mlx_firmware_backup'):  # the backup of the crossflashed firmware
                self.calls.append(('mlx_firmware_backup', check))
                return backup_result(check, 'MT_1090120019_2.42.5000_0002c90300a1b2c0.image')
            if module_name.endswith('mlx_image_info'):
                self.calls.append(('mlx_image_info', check))
                return {'psid': 'MT_1090110018', 'fw_version': '2.40.5030', 'sha256': hashlib.sha256(b'original').hexdigest()}
            return Host.__call__(self, module_name, module_args, task_vars, check)
    host = Restoring()
    crossflashed = dict(FCBT, base_guid='0002c90300a1b2c0')
    result, action = run(tmp_path, host, [crossflashed], image='', image_sha256='', allow_psid_change=False,
                         restore_image='backups/pve1/' + original)
    assert not result.get('failed'), (result.get('msg'), result.get('reason'))
    assert seen and all(a['allow_psid_change'] and a['allowed_psid_changes'] == [{'from': 'MT_1090120019', 'to': 'MT_1090110018'}]
                        and a['image_sha256'] == hashlib.sha256(b'original').hexdigest() for a in seen)
    # The card's own backup (same GUID) fits it: the burn module is told so for this card alone.
    assert all(a['allow_unverified_fit'] == ['0000:03:00.0'] for a in seen)


def test_the_cards_named_for_an_unverified_fit_reach_the_burn_module(tmp_path):
    seen = []

    class Recording(Host):
        def __call__(self, module_name, module_args, task_vars, check):
            if module_name.endswith('mlx_firmware_burn'):
                seen.append(dict(module_args))
            return Host.__call__(self, module_name, module_args, task_vars, check)
    result, action = run(tmp_path, Recording(), [QCBT])
    assert not result.get('failed') and seen and all('allow_unverified_fit' not in a for a in seen)  # off by default
    del seen[:]
    result, action = run(tmp_path, Recording(), [QCBT], allow_unverified_fit=['03:00.0'])
    assert not result.get('failed') and len(seen) == 2 and all(a['allow_unverified_fit'] == ['03:00.0'] for a in seen)


def test_a_refusal_on_the_second_card_comes_before_any_backup_or_burn_of_the_first(tmp_path):
    class SecondRefused(Host):
        def __call__(self, module_name, module_args, task_vars, check):
            if module_name.endswith('mlx_firmware_burn') and module_args['device'] == '0000:04:00.0':
                self.calls.append(('mlx_firmware_burn', check))
                return {'failed': True, 'reason': 'psid_pair_not_allowlisted', 'msg': 'refused'}
            return Host.__call__(self, module_name, module_args, task_vars, check)
    host = SecondRefused()
    second = dict(QCBT, pci_address='0000:04:00.0')
    result, action = run(tmp_path, host, [QCBT, second])
    assert result['failed'] and result['reason'] == 'psid_pair_not_allowlisted' and result['burned'] == []
    assert host.calls == [('mlx_image_info', False), ('mlx_firmware_burn', True), ('mlx_firmware_burn', True)]


def test_an_image_whose_identity_cannot_be_read_is_refused_and_not_cached(tmp_path):
    class Nameless(Host):
        def __call__(self, module_name, module_args, task_vars, check):
            if module_name.endswith('mlx_image_info'):
                self.calls.append(('mlx_image_info', check))
                return {'psid': '', 'fw_version': '2.42.5000', 'sha256': SHA, 'supported': True}
            return Host.__call__(self, module_name, module_args, task_vars, check)
    host = Nameless()
    result, action = run(tmp_path, host, [QCBT])
    assert result['failed'] and result['reason'] == 'image_invalid' and host.calls == [('mlx_image_info', False)]
    assert not (tmp_path / 'cache').exists()


def test_backup_always_backs_up_every_card_not_burned_also_one_waiting_for_its_reboot(tmp_path):
    host = Host()
    pending = dict(FCBT, pci_address='0000:05:00.0', fw_version_running='2.40.5030')
    result, action = run(tmp_path, host, [FCBT, pending], cache=True, backup_always=True)
    assert [c for c in host.calls if c[0] == 'mlx_firmware_backup'] == [('mlx_firmware_backup', False)] * 2


def test_a_refusal_names_the_image_on_the_controller_not_the_staged_copy(tmp_path):
    class Staged(Host):
        def __call__(self, module_name, module_args, task_vars, check):
            if module_name.endswith('mlx_firmware_burn'):
                return {'failed': True, 'reason': 'device_mismatch', 'image': {'path': module_args['image']},
                        'msg': 'The image %s is for a ConnectX-3 Pro, the card at 0000:03:00.0 is a ConnectX-3; use an '
                               'image for this card. Nothing has been changed.' % module_args['image']}
            return Host.__call__(self, module_name, module_args, task_vars, check)
    result, action = run(tmp_path, Staged(), [QCBT])
    assert result['failed'] and result['reason'] == 'device_mismatch'
    assert result['msg'].startswith('The image %s is for a ConnectX-3 Pro' % (tmp_path / 'fw.bin'))
    assert '/tmp/ansible-tmp-1' not in result['msg']
    assert result['failed_result']['image']['path'] == str(tmp_path / 'fw.bin')


def test_a_burn_adds_the_firmware_to_what_the_host_must_reboot_for_and_the_card_to_confirm(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [QCBT], reboot_pending=['the ConnectX port settings'])
    facts = result['ansible_facts']
    assert facts['connectx_reboot_pending'] == ['the ConnectX port settings', 'the new ConnectX firmware']
    assert facts['connectx_reboot_expect'] == [dict(TARGET, pci_address='0000:03:00.0',
                                                    backup=str(tmp_path / 'backups' / 'pve1'))]


def test_a_card_at_the_target_sets_no_reboot_fact(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [dict(FCBT, fw_version_running='2.42.5000')], cache=True)
    assert not result['reboot_required'] and 'ansible_facts' not in result


def test_a_flash_at_the_target_not_running_it_is_pending_and_confirmed_after_the_reboot(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [dict(FCBT, fw_version_running='2.40.5030')], cache=True)
    assert result['pending'] == ['0000:03:00.0'] and host.calls == []
    assert result['ansible_facts']['connectx_reboot_pending'] == ['the new ConnectX firmware']
    assert result['ansible_facts']['connectx_reboot_expect'][0]['pci_address'] == '0000:03:00.0'


# preflight: the firmware settings and the image checked on the controller, nothing on the host (issue 33: the
# role's four preflight tasks are this one call).
def test_preflight_accepts_a_pinned_image_and_runs_nothing_on_the_host(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [], preflight=True)
    assert not result.get('failed'), result
    assert host.calls == [] and not result['changed'] and 'matches its pin' in result['msg']


def test_preflight_without_an_image_has_nothing_to_check(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [], preflight=True, image='', image_sha256='')
    assert not result.get('failed') and host.calls == []


@pytest.mark.parametrize('args, words', [
    ({'image_sha256': 'abc'}, 'needs connectx_firmware_image_sha256 (64 hex digits'),
    ({'image_sha256': SHA + '\n'}, 'needs connectx_firmware_image_sha256 (64 hex digits'),
    ({'backup_dest': ''}, 'needs connectx_backup_dir'),
    ({'image': '', 'image_sha256': '', 'force': True}, 'connectx_firmware_force needs an image'),
    ({'allow_unverified_fit': ['03:00.0', '03:00.0\n']}, "not '03:00.0\\n'"),
])
def test_preflight_refuses_inconsistent_settings_before_any_change(tmp_path, args, words):
    host = Host()
    result, action = run(tmp_path, host, [], preflight=True, **args)
    assert result['failed'] and result['reason'] == 'invalid_argument' and words in result['msg'], result['msg']
    assert result['msg'].endswith('Nothing has been changed.') and host.calls == []


def test_preflight_refuses_an_image_that_is_not_the_pinned_one(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [], preflight=True, image_sha256='0' * 64)
    assert result['failed'] and result['reason'] == 'checksum_mismatch'
    assert result['msg'].startswith('checksum_mismatch: %s has sha256 %s' % (tmp_path / 'fw.bin', SHA))


def test_preflight_refuses_a_missing_image(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [], preflight=True, image=str(tmp_path / 'nope.bin'))
    assert result['failed'] and result['reason'] == 'not_found' and 'does not exist on the controller' in result['msg']


def test_without_the_tools_the_job_says_what_a_run_would_do_and_runs_nothing(tmp_path):
    host = Host()
    result, action = run(tmp_path, host, [{'pci_address': '0000:03:00.0'}], check=True, tools_installed=False)
    assert not result.get('failed') and host.calls == [] and not result['changed']
    assert result['msg'] == ("0000:03:00.0: a run would back up each card, then burn fw.bin where the PSID and version "
                             "read then differ from the image's (the tools are not installed yet)")


def test_a_flash_waiting_for_its_reboot_is_refused_when_the_node_may_not_reboot(tmp_path):
    # Burned by an earlier run with connectx_reboot: false; now the node has running guests: refused here, before the
    # port settings (which trust a pending firmware reboot to have been checked) could write anything.
    host = Host(guard_refuses=True)
    result, action = run(tmp_path, host, [dict(FCBT, fw_version_running='2.40.5030')], cache=True,
                         reboot_check={'guests': 'refuse', 'parallel': 1})
    assert result['failed'] and result['reason'] == 'guests_running'
    assert '(before any change, for the firmware already on the flash)' in result['msg']
    assert host.calls == [('pve_reboot_guard', True)] and 'ansible_facts' not in result
