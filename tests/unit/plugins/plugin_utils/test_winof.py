# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/winof.py: the Windows check, where the installer is, when the install runs, what is said."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.homelab.connectx.plugins.plugin_utils import paths, winof


@pytest.mark.parametrize('facts', [
    {'ansible_os_family': 'Windows'},
    {'ansible_connection': 'winrm'},
    {'ansible_connection': 'ansible.builtin.psrp'},
    {'ansible_connection': 'ssh', 'ansible_shell_type': 'powershell'},
])
def test_a_windows_host_passes(facts):
    assert winof.not_windows('win1', facts) is None


def test_a_linux_host_is_refused_with_what_it_is():
    msg = winof.not_windows('pve1', {'ansible_os_family': 'Debian', 'ansible_connection': 'ssh'})
    assert msg == ('pve1 is in group windows_hosts but is not a Windows host (os family Debian, connection ssh): use '
                   'ansible_connection=winrm or psrp, or ssh with ansible_shell_type=powershell. Nothing has been changed.')
    assert 'os family unknown, connection unknown' in winof.not_windows('x', {})


@pytest.mark.parametrize('package', ['C:\\Drivers\\winof.exe', 'c:/winof.exe', '\\\\nas\\share\\winof.exe',
                                     '//nas/share/winof.exe'])
def test_windows_paths_are_on_the_host_and_used_as_they_are(package):
    assert winof.installer(package, 'C:\\Windows\\Temp', '/inv') == {'on_host': True, 'src': package, 'path': package}


def test_a_controller_installer_goes_to_the_remote_dir_with_one_backslash():
    got = winof.installer('files/MLNX_VPI_WinOF-5_50_54000_All_win2019_x64.exe', 'C:\\Windows\\Temp\\', '/srv/inventory')
    assert got == {'on_host': False, 'src': '/srv/inventory/files/MLNX_VPI_WinOF-5_50_54000_All_win2019_x64.exe',
                   'path': 'C:\\Windows\\Temp\\MLNX_VPI_WinOF-5_50_54000_All_win2019_x64.exe'}


def test_a_relative_installer_without_inventory_directory_is_refused():
    with pytest.raises(paths.PathError):
        winof.installer('winof.exe', 'C:\\Windows\\Temp', None)


def test_the_installer_messages_name_where_it_was_looked_for():
    assert winof.installer_missing({'on_host': False, 'src': '/x/w.exe'}, 'win1') == \
        'The WinOF installer /x/w.exe does not exist on the controller. Nothing has been changed.'
    assert 'does not exist on win1.' in winof.installer_missing({'on_host': True, 'src': 'C:\\w.exe'}, 'win1')
    assert winof.no_installer().startswith('connectx_winof_install is true but connectx_winof_package is empty')


@pytest.mark.parametrize('tags, skip, read_only', [
    ([], None, True), (['all'], None, False), (['windows'], None, False), (['links'], None, True),
    (['links', 'report'], None, True), (['links', 'windows'], None, False),
    # A run with links and another tag is no install run either (the review's case: interfaces,links).
    (['interfaces', 'links'], None, True), (['links', 'tools'], [], True),
    (['all'], ['windows'], True), (['all'], ['links'], False), (None, None, False),
])
def test_only_a_run_of_every_tag_or_of_windows_installs(tags, skip, read_only):
    assert winof.read_only_run(tags, skip) is read_only


@pytest.mark.parametrize('status, install, read_only, wanted', [
    ('no_driver', True, False, True), ('winof2', True, False, True), ('other_driver', True, False, True),
    ('winof', True, False, False), ('no_card', True, False, False), ('error', True, False, False),
    ('winof2', False, False, False), ('winof2', True, True, False),
])
def test_the_install_runs_when_asked_allowed_and_needed(status, install, read_only, wanted):
    assert winof.wants_install(status, install, read_only) is wanted


def test_package_args_and_the_plan():
    wanted = {'path': 'C:\\w.exe', 'arguments': '/S', 'expected_return_code': [0, 3010], 'state': 'present'}
    assert winof.package_args('C:\\w.exe', '/S', '') == wanted
    assert winof.package_args('C:\\w.exe', '/S', '{ABC}')['product_id'] == '{ABC}'
    assert winof.plan_message('C:\\w.exe', '/S', 'winof2') == 'Check mode: would run C:\\w.exe /S (winof2).'


def test_adapter_names_once_each_in_order():
    ends = [{'iface': 'Ethernet 3'}, {'iface': 'Ethernet 4'}, {'iface': 'Ethernet 3'}, {'iface': None}, 'junk']
    assert winof.adapter_names(ends) == ['Ethernet 3', 'Ethernet 4']


def test_the_detection_script_takes_names_and_prints_one_json_document():
    script = winof.DETECT_SCRIPT
    assert '[string[]]$Names = @()' in script and 'ConvertTo-Json -Depth 4 -Compress' in script
    # Read-only: no SupportsShouldProcess, so win_powershell would skip it in check mode - the action runs it with
    # check mode off.
    assert 'SupportsShouldProcess' not in script and '$Ansible.Changed = $false' in script
