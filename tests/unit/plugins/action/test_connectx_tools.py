# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin connectx_tools: the tools role's checks, install and checks again, in one task. A converged host
runs nothing; a fresh one apt once, the hold and the discovery again; Debian 13 the bookworm files on every run, and on
a failed install their removal and the refusal with the fix; check mode installs nothing and says what a run would; the
reboot guard comes before the install when a reboot may follow; the tool is checked against the cards."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.homelab.connectx.plugins.action.connectx_tools import ActionModule
from ansible_collections.homelab.connectx.plugins.plugin_utils import deb, tools_plan

CARDS = [{'pci_address': '0000:03:00.0', 'part_number': 'MCX354A-QCBT', 'psid': 'MT_1090110018',
          'fw_version': '2.40.5030', 'family': 'connectx3'}]
DEBIAN12 = {'id': 'debian', 'version_id': '12', 'version_codename': 'bookworm', 'pretty_name': 'Debian GNU/Linux 12 (bookworm)'}
DEBIAN13 = {'id': 'debian', 'version_id': '13', 'version_codename': 'trixie', 'pretty_name': 'Debian GNU/Linux 13 (trixie)'}
CONVERGED = {'mstflint': {'installed': True, 'version': '4.21.0+1-1', 'held': True},
             'pciutils': {'installed': True, 'version': '1:3.9.0-4', 'held': False},
             'ethtool': {'installed': True, 'version': '1:6.1-1', 'held': False}}
FRESH = {'mstflint': {'installed': False, 'version': None, 'held': None},
         'pciutils': {'installed': True, 'version': '1:3.9.0-4', 'held': False},
         'ethtool': {'installed': False, 'version': None, 'held': None}}
INSTALLED = {'name': 'mstflint', 'installed': True, 'version': '4.21.0', 'supports_connectx3': True,
             'package': 'mstflint', 'package_version': '4.21.0+1-1', 'held': True}
MISSING = {'name': 'mstflint', 'installed': False, 'version': None, 'supports_connectx3': None, 'package': 'mstflint'}
SOURCES, PREFERENCES = tools_plan.BOOKWORM_SOURCES, tools_plan.BOOKWORM_PREFERENCES


class Host(object):
    """What the modules and actions answer, and the calls in order (name, check mode, args)."""

    def __init__(self, answers=None, discovery=None):
        self.calls = []
        self.answers = answers or {}
        self.discovery = discovery if discovery is not None else {
            'changed': False, 'devices': CARDS, 'tool': INSTALLED, 'os': DEBIAN12, 'network': {}, 'packages': CONVERGED}

    def answer(self, name, args, check):
        self.calls.append((name, check, args))
        if name == 'mlx_device_info':
            return dict(self.discovery)
        out = self.answers.get(name, {'changed': not check or name != 'apt'})
        return dict(out(args) if callable(out) else out)


def run(host, state=None, packages=None, os_info=None, cards=None, check=False, diff=False, task_vars=None, **args):
    node = {'os': DEBIAN12 if os_info is None else os_info, 'network': {},
            'packages': CONVERGED if packages is None else packages}
    task = Task()
    task.args = dict(dict(cards=CARDS if cards is None else cards, tools_state=INSTALLED if state is None else state,
                          node=node), **args)
    task.check_mode = check
    task.diff = diff
    play_context = PlayContext()
    play_context.check_mode = check
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    action = ActionModule(task, connection, play_context, loader=mock.MagicMock(), templar=None, shared_loader_obj=None)

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        return host.answer(module_name.split('.')[-1], module_args, action._task.check_mode)

    def other_action(name, args, task_vars):
        action._result['modules_run'].append(name.split('.')[-1])
        return host.answer(name.split('.')[-1], args, action._task.check_mode)
    action._execute_module = execute
    action._action = other_action
    return action.run(task_vars=dict({'inventory_hostname': 'pve1'}, **(task_vars or {})))


def names(host):
    return [(name, check) for name, check, args in host.calls]


def test_a_converged_host_runs_nothing():
    host = Host()
    result = run(host)
    assert not result.get('failed'), result
    assert host.calls == [] and result['changed'] is False and result['modules_run'] == []
    assert result['plan']['missing'] == [] and result['plan']['apt'] is False
    assert result['lines'] == ['pve1: 0000:03:00.0 MCX354A-QCBT PSID MT_1090110018 FW 2.40.5030; tool mstflint 4.21.0']
    assert 'ansible_facts' not in result


def test_a_fresh_debian_12_node_installs_holds_and_discovers_again():
    host = Host()
    result = run(host, state=MISSING, packages=FRESH, task_vars={'ansible_host': '192.0.2.11'})
    assert not result.get('failed'), result
    assert names(host) == [('apt', False), ('dpkg_selections', False), ('mlx_device_info', False)]
    assert host.calls[0][2] == {'name': ['mstflint=4.21.0+1-1', 'ethtool'], 'state': 'present', 'allow_downgrade': True,
                                'allow_change_held_packages': True, 'update_cache': True}
    assert host.calls[1][2] == {'name': 'mstflint', 'selection': 'hold'}
    assert host.calls[2][2] == {'tool': 'mstflint', 'packages': ['mstflint', 'pciutils', 'ethtool'],
                                'connection_addresses': ['192.0.2.11']}
    assert result['changed'] and result['installed'] == ['mstflint=4.21.0+1-1', 'ethtool']
    assert result['ansible_facts']['connectx_tools_state'] == INSTALLED
    assert result['ansible_facts']['connectx_node']['discovery'] == host.calls[2][2]


def test_check_mode_says_what_a_run_would_install_and_installs_nothing():
    host = Host()
    result = run(host, state=MISSING, packages=FRESH, check=True)
    assert not result.get('failed'), result
    assert host.calls == [] and result['changed'] is True and 'ansible_facts' not in result
    assert result['lines'] == [
        'pve1: would install mstflint=4.21.0+1-1, ethtool (check mode installs nothing)',
        'pve1: 0000:03:00.0 MCX354A-QCBT PSID MT_1090110018 FW 2.40.5030; tool mstflint not installed yet',
        'pve1: 1 card(s) found in sysfs (0000:03:00.0); a run would install mstflint, back up each card, then decide '
        'the burn and the port settings once the PSID and the configuration can be read.']


def test_check_mode_holds_an_installed_pin_in_check_mode():
    host = Host()
    packages = dict(CONVERGED, mstflint=dict(CONVERGED['mstflint'], held=False))
    result = run(host, packages=packages, check=True)
    assert names(host) == [('dpkg_selections', True)] and result['changed']


def test_hold_false_leaves_the_selection_alone():
    host = Host()
    packages = dict(CONVERGED, mstflint=dict(CONVERGED['mstflint'], held=False))
    result = run(host, packages=packages, hold=False)
    assert host.calls == [] and not result['changed']


def test_debian_13_writes_the_bookworm_files_installs_and_says_where_it_comes_from():
    state = dict(INSTALLED)
    host = Host(discovery={'devices': CARDS, 'tool': state, 'os': DEBIAN13, 'packages': CONVERGED})
    result = run(host, state=MISSING, packages=FRESH, os_info=DEBIAN13)
    assert not result.get('failed'), result
    assert names(host) == [('copy', False), ('copy', False), ('apt', False), ('dpkg_selections', False),
                           ('mlx_device_info', False)]
    assert [c[2]['dest'] for c in host.calls[:2]] == sorted([SOURCES, PREFERENCES])
    assert host.calls[0][2]['content'] == tools_plan.bookworm_files(
        'http://deb.debian.org/debian', '/usr/share/keyrings/debian-archive-keyring.pgp', False)[host.calls[0][2]['dest']]
    assert host.calls[0][2]['mode'] == '0644'
    assert 'libjsoncpp25 come from there (and held); files' in result['lines'][0]
    assert result['lines'][1].endswith('tool mstflint 4.21.0 (package mstflint 4.21.0+1-1 from Debian 12 bookworm, pinned, held)')


def test_a_converged_debian_13_node_rewrites_the_files_only():
    host = Host(answers={'copy': {'changed': False}})
    result = run(host, os_info=DEBIAN13)
    assert names(host) == [('copy', False), ('copy', False)] and result['changed'] is False


def test_the_diff_of_the_files_is_carried():
    diff = {'before': '', 'after': 'Types: deb\n', 'after_header': SOURCES}
    host = Host(answers={'copy': {'changed': True, 'diff': [diff]}})
    result = run(host, os_info=DEBIAN13, diff=True, check=True)
    assert names(host) == [('copy', True), ('copy', True)] and result['diff'] == [diff, diff]


def test_a_failed_bookworm_install_removes_the_files_and_refuses_with_the_fix():
    host = Host(answers={'apt': {'failed': True, 'msg': 'Failed to update apt cache'}})
    result = run(host, state=MISSING, packages=FRESH, os_info=DEBIAN13, bookworm_uri='http://127.0.0.1:9/debian',
                 bookworm_trusted=True)
    assert names(host) == [('copy', False), ('copy', False), ('apt', False), ('file', False), ('file', False)]
    assert [c[2] for c in host.calls[3:]] == [{'path': p, 'state': 'absent'} for p in sorted([SOURCES, PREFERENCES])]
    assert result['failed'] and result['reason'] == 'install_failed'
    assert result['msg'].startswith("Debian 12's mstflint 4.21.0+1-1 could not be installed from bookworm "
                                    '(http://127.0.0.1:9/debian) on pve1 (Debian GNU/Linux 13 (trixie)): Failed to update apt cache.')
    assert 'were removed' in result['msg'] and result['msg'].endswith('Nothing has been changed on the cards.')


def test_a_failed_install_elsewhere_names_the_packages():
    host = Host(answers={'apt': {'failed': True, 'msg': 'No package matching'}})
    result = run(host, state=MISSING, packages=FRESH)
    assert names(host) == [('apt', False)] and result['reason'] == 'install_failed'
    assert result['msg'].startswith('apt could not install mstflint=4.21.0+1-1, ethtool on pve1: No package matching.')


def test_when_a_reboot_may_follow_the_guard_comes_before_the_install_and_its_refusal_changes_nothing():
    refusal = {'failed': True, 'reason': 'guests_running', 'msg': 'Refused to reboot pve1: pve1 runs guests. Nothing has been changed.'}
    host = Host(answers={'pve_reboot_guard': refusal})
    result = run(host, state=MISSING, packages=FRESH, os_info=DEBIAN13, reboot_may_follow=True, reboot_guests='refuse',
                 reboot_parallel=2)
    assert names(host) == [('pve_reboot_guard', True)]
    assert host.calls[0][2] == {'guests': 'refuse', 'parallel': 2, 'phase': 'before'}
    assert result['failed'] and result['reason'] == 'guests_running' and not result['changed']
    assert result['msg'].endswith('(before installing the firmware tools, as this run may reboot the node for the '
                                  'firmware or the port settings)')


def test_the_guard_lets_a_node_that_may_reboot_install():
    host = Host(answers={'pve_reboot_guard': {'changed': False, 'proxmox': True}})
    result = run(host, state=MISSING, packages=FRESH, reboot_may_follow=True)
    assert names(host)[:2] == [('pve_reboot_guard', True), ('apt', False)] and not result.get('failed')


@pytest.mark.parametrize('args, state, cards', [
    ({'reboot_may_follow': True, 'reboot': False}, MISSING, CARDS),   # no reboot at all: no guard
    ({'reboot_may_follow': True}, INSTALLED, CARDS),                  # the tool is there: the roles' own guards
    ({'reboot_may_follow': True, 'require_devices': False}, MISSING, []),  # no card: nothing to reboot for
    ({}, MISSING, CARDS),
])
def test_no_guard(args, state, cards):
    host = Host()
    run(host, state=state, packages=FRESH, cards=cards, **args)
    assert 'pve_reboot_guard' not in [n for n, c in names(host)]


def test_an_unsupported_mstflint_is_refused_with_the_reason_and_the_fix():
    state = dict(INSTALLED, version='4.26.0', package_version='4.26.0+1-1~cxlab1', supports_connectx3=False)
    result = run(Host(), state=state, mstflint_package='mstflint', hold=False)
    assert result['failed'] and result['reason'] == 'tool_unsupported'
    assert result['msg'].startswith('mstflint 4.26.0 on pve1 does not support ConnectX-3/ConnectX-3 Pro: mstconfig '
                                    '4.26.0 no longer supports ConnectX-3 cards')
    assert 'apt-get install mstflint=4.21.0+1-1' in result['msg']
    assert result['msg'].endswith('Nothing has been changed on the cards.')


def test_mstflint_4_31_crashes_on_connectx3_pro():
    state = dict(INSTALLED, version='4.31.0', supports_connectx3=False)
    cards = [dict(CARDS[0], family='connectx3pro')]
    result = run(Host(), state=state, cards=cards, mstflint_package='mstflint', hold=False)
    assert result['reason'] == 'tool_unsupported' and 'crashes (segmentation fault)' in result['msg']


def test_the_tool_missing_after_the_install_is_refused():
    host = Host(discovery={'devices': CARDS, 'tool': MISSING, 'os': DEBIAN12, 'packages': FRESH})
    result = run(host, state=MISSING, packages=FRESH)
    assert result['failed'] and result['reason'] == 'tool_missing'
    assert result['msg'] == ('mstflint is not installed on pve1 although the install step ran. Fix: install mstflint by '
                             'hand and run again. Nothing has been changed on the cards.')


def test_no_card_is_refused_unless_not_required():
    result = run(Host(), cards=[])
    assert result['reason'] == 'no_device' and 'connectx_require_devices: false' in result['msg']
    result = run(Host(), cards=[], require_devices=False)
    assert not result.get('failed') and result['lines'] == ['pve1: no ConnectX card tool mstflint 4.21.0']


def test_not_debian_is_refused_before_anything():
    host = Host()
    result = run(host, state=MISSING, packages=FRESH, os_info={'id': 'rocky', 'id_like': 'rhel centos fedora',
                                                               'pretty_name': 'Rocky Linux 9.4'})
    assert host.calls == [] and result['reason'] == 'not_debian'
    assert result['msg'].startswith('pve1 runs Rocky Linux 9.4; the tools role supports Debian and Proxmox VE hosts only.')


def test_preflight_only_checks():
    host = Host()
    result = run(host, state=MISSING, packages=FRESH, preflight=True)
    assert host.calls == [] and not result.get('failed') and not result['changed'] and 'plan' in result
    assert result['plan'] == {}


@pytest.mark.parametrize('packages, reason', [([], 'mft_packages_missing'), (['mft_4.28.0-92_amd64.deb'], 'mft_packages_not_found')])
def test_preflight_mft_refusals(tmp_path, packages, reason):
    result = run(Host(), preflight=True, tool='mft', mft_packages=packages, task_vars={'inventory_dir': str(tmp_path)})
    assert result['failed'] and result['reason'] == reason and 'Nothing has been installed' in result['msg']
    if packages:
        assert str(tmp_path / packages[0]) in result['msg']


def debs(tmp_path, monkeypatch, version):
    path = tmp_path / ('mft_%s_amd64.deb' % version)
    path.write_bytes(b'!<arch>\n')
    monkeypatch.setattr(deb, 'read_control', lambda p: {'Package': 'mft', 'Version': version})
    return 'mft_%s_amd64.deb' % version


def test_preflight_refuses_mft_4_33_for_connectx3(tmp_path, monkeypatch):
    name = debs(tmp_path, monkeypatch, '4.33.0-53')
    result = run(Host(), preflight=True, tool='mft', mft_packages=[name], task_vars={'inventory_dir': str(tmp_path)})
    assert result['reason'] == 'mft_package_refused' and 'NVIDIA MFT 4.33.0 does not support' in result['msg']


def test_mft_is_staged_installed_and_discovered_again(tmp_path, monkeypatch):
    name = debs(tmp_path, monkeypatch, '4.28.0-92')
    host = Host(answers={'copy': {'changed': True}, 'apt': {'changed': True}, 'file': {'changed': False}},
                discovery={'devices': CARDS, 'tool': dict(INSTALLED, name='mft', version='4.28.0'), 'os': DEBIAN12,
                           'packages': {}})
    packages = {'pciutils': CONVERGED['pciutils'], 'ethtool': CONVERGED['ethtool']}
    result = run(host, state=dict(MISSING, name='mft'), packages=packages, tool='mft', mft_packages=[name],
                 task_vars={'inventory_dir': str(tmp_path)})
    assert not result.get('failed'), result
    assert names(host) == [('file', False), ('copy', False), ('apt', False), ('mlx_device_info', False)]
    assert host.calls[0][2] == {'path': '/var/lib/connectx/packages', 'state': 'directory', 'owner': 'root',
                                'group': 'root', 'mode': '0700'}
    assert host.calls[1][2]['src'] == str(tmp_path / name)
    assert host.calls[2][2] == {'deb': '/var/lib/connectx/packages/' + name}
    assert result['installed'] == [name]


def test_mft_in_check_mode_does_not_hand_a_file_not_yet_staged_to_apt(tmp_path, monkeypatch):
    name = debs(tmp_path, monkeypatch, '4.28.0-92')
    host = Host(answers={'copy': {'changed': True}, 'file': {'changed': True}})
    result = run(host, state=dict(MISSING, name='mft'), tool='mft', mft_packages=[name], check=True,
                 task_vars={'inventory_dir': str(tmp_path)})
    assert names(host) == [('file', True), ('copy', True)] and result['changed'] and not result.get('failed')


def test_a_refusal_keeps_the_cards_line():
    state = dict(INSTALLED, version='4.26.0', package_version='4.26.0+1-1~cxlab1', supports_connectx3=False)
    result = run(Host(), state=state, mstflint_package='mstflint', hold=False)
    assert result['failed'] and result['lines'] == [
        'pve1: 0000:03:00.0 MCX354A-QCBT PSID MT_1090110018 FW 2.40.5030; tool mstflint 4.26.0']


def test_a_bad_package_is_refused_before_anything():
    host = Host()
    result = run(host, state=MISSING, packages=FRESH, extra_packages=['=1.0'])
    assert host.calls == [] and result['failed'] and result['reason'] == 'invalid_option'
    assert result['msg'].endswith('Nothing has been changed.')
