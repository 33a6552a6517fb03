# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin winof, with the host's answers scripted: the paths the role's replay test
(tests/unit/roles/test_windows_host_role.py) does not take - failures of each step (a reason, never a traceback), the
pending reboot, a read-only --tags run, preflight alone, the diff."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from unittest import mock

from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.homelab.connectx.plugins.action.winof import ActionModule

from conftest import load_fixture

WINOF = load_fixture('windows/cx3-winof550-40g-pcie3-x4-slot.txt')[0]
WINOF2 = load_fixture('windows/cx3-winof2-installed-no-driver.txt')[0]
HOST_PACKAGE = 'C:\\Drivers\\MLNX_VPI_WinOF-5_50_54000_All_win2019_x64.exe'
ENDS = [{'link': 'pve1-win1', 'end': 'b', 'host': 'win1', 'iface': 'Ethernet 3'}]
VARS = {'inventory_hostname': 'win1', 'ansible_os_family': 'Windows', 'inventory_dir': '/srv/inventory'}


class Host(object):
    """The answers of the modules and actions, and the calls in order (name, check mode, args)."""

    def __init__(self, detect=(WINOF2, WINOF), package=None, stat=True, copy=None, reboot=None):
        self.calls, self.detect = [], list(detect)
        self.package = package if package is not None else {'changed': True, 'rc': 0, 'reboot_required': False}
        self.stat, self.copy, self.reboot = stat, copy or {'changed': True}, reboot or {'changed': True, 'rebooted': True}

    def answer(self, name, args, check):
        self.calls.append((name, check, args))
        if name == 'win_powershell':
            document = self.detect.pop(0) if len(self.detect) > 1 else self.detect[0]
            return document if isinstance(document, dict) else {'changed': False, 'output': [document]}
        if name == 'win_stat':
            return {'stat': {'exists': self.stat}}
        return dict({'win_package': self.package, 'win_copy': self.copy, 'win_reboot': self.reboot}[name])


def run(host, check=False, task_vars=None, **args):
    task = Task()
    task.args = dict(args)
    task.check_mode = check
    play_context = PlayContext()
    play_context.check_mode = check
    action = ActionModule(task, mock.MagicMock(), play_context, loader=mock.MagicMock(), templar=None,
                          shared_loader_obj=None)

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        return host.answer(module_name.split('.')[-1], module_args, action._task.check_mode)

    def other_action(name, args, task_vars, result):
        result['modules_run'].append(name.split('.')[-1])
        return host.answer(name.split('.')[-1], args, action._task.check_mode)
    action._execute_module = execute
    action._action = other_action
    return action.run(task_vars=dict(VARS, **(task_vars or {})))


def names(host):
    return [(name, check) for name, check, _args in host.calls]


def test_winof_already_there_is_only_read_in_check_mode_too():
    host = Host(detect=[WINOF])
    result = run(host, check=True, ends=ENDS, install=True, package=HOST_PACKAGE)
    assert not result.get('failed') and result['changed'] is False, result
    # The read-only detection runs with check mode off; the installer's presence is looked for (install is asked).
    assert names(host) == [('win_stat', False), ('win_powershell', False)]
    assert host.calls[1][2]['parameters'] == {'Names': ['Ethernet 3']}
    assert result['ansible_facts']['connectx_windows']['status'] == 'winof' and result['status'] == 'winof'
    assert 'diff' not in result


def test_check_mode_says_the_plan_with_a_diff_and_runs_nothing():
    host = Host()
    result = run(host, check=True, ends=ENDS, install=True, package=HOST_PACKAGE)
    assert result['changed'] is True and result['msg'] == 'Check mode: would run %s /S /v"/qn MT_SKIPFWUPGRD=1" (winof2).' \
        % HOST_PACKAGE
    assert result['diff'] == {'before': 'driver: winof2\n', 'after': 'driver: winof (%s /S /v"/qn MT_SKIPFWUPGRD=1")\n'
                              % HOST_PACKAGE}
    assert names(host) == [('win_stat', False), ('win_powershell', False)]
    assert any('check mode, nothing was installed' in w for w in result['warnings'])
    assert not result.get('failed')


def test_a_pending_reboot_that_may_not_happen_is_a_warning():
    host = Host(package={'changed': True, 'rc': 3010, 'reboot_required': True}, detect=[WINOF2, WINOF2])
    result = run(host, ends=ENDS, install=True, package=HOST_PACKAGE, reboot=False)
    assert [n for n, _c in names(host)] == ['win_stat', 'win_powershell', 'win_package', 'win_powershell']
    assert result['installed'] is True and result['rebooted'] is False and result['reboot_required'] is True
    assert 'the WinOF installer asks for a reboot of win1 (connectx_reboot is false).' in result['warnings']
    # With an end, the card problem goes to the end (link_evaluate) and the role fails after the report: not here.
    assert not result.get('failed') and result['status'] == 'winof2'


def test_a_run_limited_to_links_installs_nothing_and_needs_no_installer():
    host = Host()
    result = run(host, ends=ENDS, install=True, package='', task_vars={'ansible_run_tags': ['links']})
    assert names(host) == [('win_powershell', False)] and not result.get('failed'), result


def test_preflight_only_checks():
    host = Host()
    result = run(host, preflight=True, install=True, package=HOST_PACKAGE)
    assert names(host) == [('win_stat', False)] and not result.get('failed') and 'ansible_facts' not in result


def test_each_refusal_has_a_reason_and_changes_nothing():
    cases = [
        (dict(install=True, package=''), {}, Host(), 'no_installer'),
        (dict(install=True, package='winof.exe'), {'inventory_dir': None}, Host(), 'installer_path'),
        (dict(install=True, package='/nonexistent/winof.exe'), {}, Host(), 'installer_missing'),
        (dict(install=True, package=HOST_PACKAGE), {}, Host(stat=False), 'installer_missing'),
        (dict(), {'ansible_os_family': 'Debian'}, Host(), 'not_windows'),
        (dict(), {}, Host(detect=[{'failed': True, 'msg': 'access denied'}]), 'detect_failed'),
        (dict(), {}, Host(detect=['WARNING: not json']), 'not_json'),
    ]
    for args, task_vars, host, reason in cases:
        result = run(host, ends=ENDS, task_vars=task_vars, **args)
        assert result.get('failed') and result['reason'] == reason, (reason, result)
        assert not [n for n, _c in names(host) if n in ('win_copy', 'win_package', 'win_reboot')]


def test_failures_of_the_install_steps():
    host = Host(package={'failed': True, 'rc': 1603, 'msg': "unexpected rc from 'x'"})
    result = run(host, ends=ENDS, install=True, package=HOST_PACKAGE)
    assert result['reason'] == 'install_failed' and result['rc'] == 1603 and 'unexpected rc' in result['msg']
    host = Host(package={'changed': True, 'rc': 3010, 'reboot_required': True}, reboot={'failed': True, 'msg': 'timed out'})
    result = run(host, ends=ENDS, install=True, package=HOST_PACKAGE)
    assert result['reason'] == 'reboot_failed' and 'did not come back' in result['msg']


def test_an_installer_on_the_controller_is_copied_first(tmp_path):
    installer = tmp_path / 'MLNX_VPI_WinOF-5_50_54000_All_win2019_x64.exe'
    installer.write_bytes(b'MZ')
    host = Host(copy={'failed': True, 'msg': 'disk full'})
    result = run(host, ends=ENDS, install=True, package=str(installer))
    assert result['reason'] == 'copy_failed' and 'disk full' in result['msg']
    assert host.calls[-1][2] == {'src': str(installer), 'dest': 'C:\\Windows\\Temp\\' + installer.name}


def test_no_winof_and_no_end_fails_at_once_with_the_sentence():
    result = run(Host(detect=[WINOF2]), ends=[])
    assert result['failed'] and result['reason'] == 'winof2'
    assert result['msg'].startswith('win1: ConnectX-3 ') and 'only WinOF-2 (mlx5) is installed' in result['msg']
    json.dumps(result)  # the result is plain data
