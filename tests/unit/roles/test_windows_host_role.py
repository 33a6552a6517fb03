# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The windows_host role run by ansible-playbook against recorded Windows outputs.

No Windows host with a ConnectX-3 is at hand, so the role runs on a local connection and ``ansible.windows`` is
replaced by a stand-in (tests/unit/roles/windows_replay, linked as ``ansible_collections/ansible/windows`` ahead of the
real collection) that replays the detection documents and ping.exe outputs of tests/unit/fixtures/windows/ - as
fwupd's device emulation replays a recorded device - and notes every call (installer path and arguments, reboot,
ping targets). The Windows host ``win1`` passes the role's Windows check through ``ansible_os_family: Windows``; its
link's far end ``pve1`` (group connectx_hosts) is not in the play: its evaluated end is given as a host variable, as
the Linux play would have left it (link_eval.evaluate_ends on a link_info-like state, as in test_link_report_page.py).

Each scenario asserts what the role really did: the exit code, what it printed, the calls it made on the "host",
connectx_link_results and the link report it wrote.
"""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from collection_link import isolated

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
REPLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'windows_replay')
FIXTURES = os.path.join(ROOT, 'tests', 'unit', 'fixtures', 'windows')

INSTALLER = 'MLNX_VPI_WinOF-5_50_54000_All_win2019_x64.exe'
ARGUMENTS = '/S /v"/qn MT_SKIPFWUPGRD=1"'
# The addresses of the recorded ping.exe outputs: the Windows end 198.18.14.4, its peer 198.18.14.1.
LINKS = [{'name': 'pve1-win1', 'a': {'host': 'pve1', 'iface': 'ens1'}, 'b': {'host': 'win1', 'iface': 'Ethernet 3'},
          'speed_mbps': 40000}]
IFACES = {'pve1': [{'name': 'ens1', 'address': '198.18.14.1/24'}],
          'win1': [{'name': 'Ethernet 3', 'address': '198.18.14.4/24'}]}
LINUX_PORT = {'speed_mbps': 40000, 'carrier': True, 'duplex': 'full', 'driver': 'mlx4_en', 'mtu': 1500,
              'card_ports': ['ens1'], 'supported_link_modes': []}

PLAY = [{
    'name': 'Run the windows_host role against the replayed host',
    'hosts': 'windows_hosts',
    'gather_facts': False,
    'tasks': [{
        'name': 'The role',
        'block': [{'name': 'Run windows_host', 'ansible.builtin.include_role': {'name': 'homelab.connectx.windows_host'}}],
        'always': [{
            'name': 'Keep the facts the role left',
            'ansible.builtin.copy': {
                'dest': '{{ test_facts_file }}',
                'content': "{{ {'results': connectx_link_results | default(none),"
                           " 'windows': connectx_windows | default(none)} | to_nice_json }}",
                'mode': '0644'},
            'check_mode': False}],
    }],
}]


def _linux_results():
    """pve1's end as the Linux play leaves it: planned by link_run.plan, evaluated by link_eval.evaluate_ends."""
    from ansible_collections.homelab.connectx.plugins.plugin_utils import link_eval, link_run
    hostvars = dict((h, {'connectx_links': LINKS, 'connectx_interfaces': IFACES[h]}) for h in IFACES)
    problems, planned = link_run.plan(LINKS, hostvars, ['pve1', 'win1'], ['pve1', 'win1'], 'pve1')
    assert problems == []
    return link_eval.evaluate_ends(planned['ends'], {'ens1': LINUX_PORT}, [], [], 'mlx4_en', 'full', False, ports={})


class Run(object):
    """One ansible-playbook run: rc, stdout, the calls the stand-in saw, the facts, the link report."""

    def __init__(self, proc, tmp):
        self.rc, self.raw = proc.returncode, proc.stdout + proc.stderr
        # The messages as written (the callback prints them JSON-escaped).
        self.out = self.raw.replace('\\\\', '\\').replace('\\"', '"')
        # The same on one line: ansible-core before 2.19 wraps a warning at the terminal's width.
        self.flat = re.sub(r'\s+', ' ', self.out)
        calls = tmp / 'replay' / 'calls.jsonl'
        self.calls = [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []
        facts = tmp / 'facts.json'
        self.facts = json.loads(facts.read_text()) if facts.exists() else {}
        report = tmp / 'reports' / 'links.md'
        self.report = report.read_text(encoding='utf-8') if report.exists() else ''

    def done(self, plugin):
        """The calls of ``plugin`` that ran for real (not in check mode)."""
        return [c for c in self.calls if c['plugin'] == plugin and not c['check_mode']]

    def plugins(self):
        return [c['plugin'] for c in self.calls if not c['check_mode']]

    def end(self):
        (end,) = [e for e in self.facts['results'] if e['host'] == 'win1']
        return end

    def __repr__(self):
        return 'rc %s\n%s\ncalls: %s' % (self.rc, self.raw[-6000:], json.dumps(self.calls, indent=1))


@pytest.fixture
def play(tmp_path):
    """play(scenario, check=False, links=LINKS, **win1_vars) -> Run."""
    # This tree as homelab.connectx, the replaying stand-in as ansible.windows (found before the real one).
    collection, env = isolated(tmp_path, ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
                               WINDOWS_REPLAY_DIR=str(tmp_path / 'replay'))
    namespace = os.path.join(os.path.dirname(os.path.dirname(collection)), 'ansible')
    os.makedirs(namespace)
    os.symlink(REPLAY, os.path.join(namespace, 'windows'))
    (tmp_path / 'replay').mkdir()
    (tmp_path / 'play.yml').write_text(yaml.safe_dump(PLAY, sort_keys=False))

    def run(scenario, check=False, links=None, **win1_vars):
        links = LINKS if links is None else links
        (tmp_path / 'replay' / 'scenario.json').write_text(json.dumps(dict(scenario, fixtures=FIXTURES)))
        common = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'connectx_links': links}
        win1 = dict(common, ansible_os_family='Windows', connectx_interfaces=IFACES['win1'],
                    test_facts_file=str(tmp_path / 'facts.json'))
        win1.update(win1_vars)
        pve1 = dict(common, connectx_interfaces=IFACES['pve1'], connectx_link_results=_linux_results() if links else [])
        inventory = {'all': {'vars': {'connectx_report_dir': str(tmp_path / 'reports')},
                             'children': {'windows_hosts': {'hosts': {'win1': win1}},
                                          'connectx_hosts': {'hosts': {'pve1': pve1}}}}}
        (tmp_path / 'inventory.yml').write_text(yaml.safe_dump(inventory))
        argv = [PLAYBOOK_BIN, '-i', str(tmp_path / 'inventory.yml'), str(tmp_path / 'play.yml')] + (['--check'] if check else [])
        proc = subprocess.run(argv, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
        if os.environ.get('WINDOWS_REPLAY_KEEP'):
            (tmp_path / 'out.txt').write_text(proc.stdout + proc.stderr)
        return Run(proc, tmp_path)

    return run


def _installer(tmp_path):
    path = tmp_path / INSTALLER
    path.write_bytes(b'MZ recorded-installer stand-in')
    return str(path)


def test_winof_550_at_40g_in_an_x4_slot_passes_with_the_pcie_ceiling_in_the_report(play):
    run = play({'detect': 'cx3-winof550-40g-pcie3-x4-slot', 'ping': {'198.18.14.1': 'ping-exe-reply'}})
    assert run.rc == 0, run
    assert 'runs WinOF 5.50.14688.0 (mlx4_bus)' in run.out, run
    # One detection, asked for the declared adapter; no install; one ping of the peer's link address.
    (detect,) = run.done('win_powershell')
    assert detect['args']['parameters'] == {'Names': ['Ethernet 3']}
    assert not run.done('win_package') and not run.done('win_reboot') and not run.done('win_copy')
    assert [c['args']['argv'] for c in run.done('win_command')] == [['ping.exe', '-n', '3', '-w', '2000', '198.18.14.1']]
    end = run.end()
    assert end['errors'] == [] and end['state']['speed_mbps'] == 40000 and end['state']['driver'] == 'mlx4eth63'
    assert end['pcie']['width'] == 4 and end['pcie']['ceiling_gbps'] == 31.5 and end['pcie_limited'] is True
    row = [line for line in run.report.splitlines() if line.startswith('| pve1-win1 ')]
    assert row and 'limited by win1:Ethernet 3 sits in PCIe 3.0 x4 (8 GT/s): ceiling 31.5 Gb/s' in row[0], run.report


def test_winof2_without_driver_installs_winof_reboots_on_3010_and_detects_again(play, tmp_path):
    run = play({'detect': 'cx3-winof2-installed-no-driver', 'detect_after_install': 'cx3-winof550-40g-pcie3-x4-slot',
                'installer_rc': 3010, 'ping': {'198.18.14.1': 'ping-exe-reply'}},
               connectx_winof_install=True, connectx_winof_package=_installer(tmp_path))
    assert run.rc == 0, run
    remote = 'C:\\Windows\\Temp\\' + INSTALLER
    assert run.plugins() == ['win_powershell', 'win_copy', 'win_package', 'win_reboot', 'win_powershell', 'win_command'], run
    assert run.done('win_copy')[0]['args'] == {'src': str(tmp_path / INSTALLER), 'dest': remote}
    (package,) = run.done('win_package')
    assert package['args']['path'] == remote and package['args']['arguments'] == ARGUMENTS
    assert package['args']['expected_return_code'] == [0, 3010] and package['rc'] == 3010
    assert run.done('win_reboot')[0]['args']['msg'] == 'homelab.connectx installed Mellanox WinOF'
    # The second detection read the host after the reboot: WinOF, and the link is checked on it.
    assert [c['fixture'] for c in run.done('win_powershell')] == ['cx3-winof2-installed-no-driver',
                                                                  'cx3-winof550-40g-pcie3-x4-slot']
    assert 'runs WinOF 5.50.14688.0 (mlx4_bus)' in run.out
    assert run.end()['errors'] == []


def test_an_installer_on_the_host_is_looked_for_there_and_run_without_reboot_on_0(play):
    run = play({'detect': 'cx3-winof2-installed-no-driver', 'detect_after_install': 'cx3-winof550-40g-pcie3-x4-slot',
                'installer_rc': 0, 'host_files': ['C:\\Drivers\\' + INSTALLER], 'ping': {'198.18.14.1': 'ping-exe-reply'}},
               connectx_winof_install=True, connectx_winof_package='C:\\Drivers\\' + INSTALLER)
    assert run.rc == 0, run
    assert [c['args']['path'] for c in run.calls if c['plugin'] == 'win_stat'] == ['C:\\Drivers\\' + INSTALLER]
    assert run.plugins() == ['win_stat', 'win_powershell', 'win_package', 'win_powershell', 'win_command'], run
    assert run.done('win_package')[0]['args']['path'] == 'C:\\Drivers\\' + INSTALLER


def test_winof2_without_install_fails_naming_winof_against_winof2(play):
    run = play({'detect': 'cx3-winof2-installed-no-driver', 'ping': {'198.18.14.1': 'ping-exe-timeout'}})
    assert run.rc != 0, run
    assert ('has no driver (code 28) and only WinOF-2 (mlx5) is installed, which does not support ConnectX-3: '
            'install Mellanox WinOF 5.50') in run.out, run
    assert not run.done('win_package') and not run.done('win_copy') and not run.done('win_reboot')
    end = run.end()
    assert 'card_driver' in [f['code'] for f in end['findings']], end
    # The report was written before the failure, with the Windows end down.
    row = [line for line in run.report.splitlines() if line.startswith('| pve1-win1 ')]
    assert row and row[0].split('|')[2].strip() == 'DOWN', run.report


def test_a_port_in_ipoib_mode_is_warned_about_and_fails_the_end(play):
    run = play({'detect': 'cx3-port1-ipoib', 'ping': {'198.18.14.1': 'ping-exe-host-unreachable'}})
    assert run.rc != 0, run
    # A warning ("WARNING: ..." from a debug task before the refactor, Ansible's "[WARNING]: ..." since).
    assert re.search(r'WARNING\]?: port Ethernet 3 \(Mellanox ConnectX based IPoIB Adapter \(NDIS 6\.4\)\) runs as '
                     r'InfiniBand \(IPoIB\)', run.flat), run
    assert 'Port Protocol tab > ETH' in run.out
    end = run.end()
    codes = [f['code'] for f in end['findings']]
    # IPoIB is the Windows-only code port_type; the ping answered by the own address ("Destination host unreachable",
    # ping.exe rc 0) is the ping finding, as on Linux.
    assert 'port_type' in codes and 'ping' in codes and end['down'] is True, end
    assert 'link pve1-win1, end b (win1:Ethernet 3): port runs as InfiniBand (IPoIB), not Ethernet' in run.out


def test_no_card_fails_and_says_so(play):
    run = play({'detect': 'no-card'})
    assert run.rc != 0, run
    assert 'no ConnectX-3 / ConnectX-3 Pro (PCI VEN_15B3&DEV_1003 / DEV_1007) found on this host' in run.out, run
    codes = [f['code'] for f in run.end()['findings']]
    assert 'no_card' in codes and 'no_interface' in codes, codes


def test_a_host_without_link_ends_fails_on_its_card_alone(play):
    run = play({'detect': 'cx3-winof2-installed-no-driver'}, links=[])
    assert run.rc != 0, run
    assert 'win1: ConnectX-3 ' in run.out and 'only WinOF-2 (mlx5) is installed, which does not support ConnectX-3' in run.out
    (detect,) = run.done('win_powershell')
    assert detect['args']['parameters'] == {'Names': []}
    assert not run.done('win_command') and not run.done('win_package')


def test_check_mode_installs_nothing_and_shows_the_plan(play, tmp_path):
    run = play({'detect': 'cx3-winof2-installed-no-driver', 'installer_rc': 3010}, check=True,
               connectx_winof_install=True, connectx_winof_package=_installer(tmp_path))
    assert run.rc == 0, run
    assert run.plugins() == ['win_powershell', 'win_command'], run
    assert 'Check mode: would run C:\\Windows\\Temp\\%s %s (winof2).' % (INSTALLER, ARGUMENTS) in run.out, run
    assert re.search(r'WARNING\]?:? \(?check mode, nothing was installed\)?: .*only WinOF-2 \(mlx5\) is installed', run.flat), run


def test_a_missing_installer_is_refused_before_anything_runs(play, tmp_path):
    run = play({'detect': 'cx3-winof2-installed-no-driver'},
               connectx_winof_install=True, connectx_winof_package=str(tmp_path / INSTALLER))
    assert run.rc != 0, run
    assert 'The WinOF installer %s does not exist on the controller. Nothing has been changed.' % (tmp_path / INSTALLER) in run.out
    assert run.plugins() == [], run


def test_a_host_that_is_not_windows_is_refused(play):
    run = play({'detect': 'cx3-winof550-40g-pcie3-x4-slot'}, ansible_os_family='Debian')
    assert run.rc != 0, run
    assert 'win1 is in group windows_hosts but is not a Windows host (os family Debian, connection local)' in run.out, run
    assert run.plugins() == [], run
