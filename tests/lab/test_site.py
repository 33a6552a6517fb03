# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/site.yml on a fresh built-in lab: check mode on nodes without the tools plans and changes nothing,
with the tools installed it shows the burn, bad input on one host stops every host, an NVIDIA MFT package of 4.33
or later is refused before any change, relative paths are taken from the inventory's folder, the first run
crossflashes pve1/pve2 and leaves pve3/ws1 alone, the second run changes nothing, --limit checks the links with an
end in the run, an unplugged cable fails link_check by name.

This is `make demo` with assertions. Skipped when not root or podman/debootstrap are missing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import re
import shutil
import sys

import pytest
import yaml

from labkit.shell import ANSIBLE_SETTINGS, shell

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LABCTL = [sys.executable, os.path.join(HERE, 'labctl.py')]
INVENTORY = os.path.join(REPO, '.cache', 'lab', 'inventory.yml')
PLAYBOOK = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', INVENTORY,
            os.path.join(REPO, 'playbooks', 'site.yml')]
BDF = '0000:03:00.0'

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('podman') or not shutil.which('debootstrap'),
                                reason='the lab needs root, podman and debootstrap (tests/lab/apt-packages.txt)')


sh = shell(timeout=1800, cwd=REPO, set_env=ANSIBLE_SETTINGS, tail=(6000, 3000), sep='\n')


def recap(output):
    """{host: {ok, changed, failed, ...}} from the PLAY RECAP."""
    hosts = {}
    for host, counts in re.findall(r'^(\S+)\s+:\s+(ok=.*)$', output, re.M):
        hosts[host] = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', counts))
    return hosts


def cards():
    out = json.loads(sh(LABCTL + ['status']).stdout)
    return dict((host, info['cards'][BDF]) for host, info in out['hosts'].items())


def flash_writes(counter='flash_program_ops'):
    """{host: the card's counter} - page programs of the flash by default, 'nv_writes' for the NV configuration."""
    totals = {}
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        root = os.path.join(REPO, '.cache', 'lab', 'hosts', host, 'fakemlx')
        show = json.loads(sh([sys.executable, os.path.join(HERE, 'emulator', 'cardctl.py'), '--root', root, 'show']).stdout)
        totals[host] = show[BDF]['counters'][counter]
    return totals


def backup_files():
    """{path: mtime} of every file under the lab's backup folder on the controller."""
    top = os.path.join(REPO, '.cache', 'lab', 'backups')
    return dict((os.path.join(d, n), os.path.getmtime(os.path.join(d, n))) for d, _dirs, names in os.walk(top) for n in names)


@pytest.fixture(scope='module')
def lab():
    try:
        sh(LABCTL + ['down'], check=False)
        shutil.rmtree(os.path.join(REPO, '.cache', 'lab', 'backups'), ignore_errors=True)
        sh(LABCTL + ['up'])
        yield
    finally:
        sh(LABCTL + ['down'], check=False)


def test_check_mode_on_fresh_nodes_plans_and_changes_nothing(lab):
    """The README's first step on nodes that have no mstflint yet: a plan from sysfs, no failure, no change."""
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        assert sh(['podman', 'exec', 'cxlab-%s' % host, 'sh', '-c', 'command -v mstflint'], check=False).returncode != 0, host
    before = flash_writes()
    res = sh(PLAYBOOK + ['--check', '--diff'])
    assert all(r['failed'] == 0 for r in recap(res.stdout).values()), res.stdout[-3000:]
    assert "pve1: would install mstflint=4.21.0+1-1" in res.stdout
    assert 'pve2: 1 card(s) found in sysfs (0000:03:00.0)' in res.stdout
    assert 'then decide the burn' in res.stdout
    assert flash_writes() == before
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        files = sh(['podman', 'exec', 'cxlab-%s' % host, 'ls', '/etc/network/interfaces.d', '/etc/modprobe.d']).stdout
        assert 'connectx' not in files, (host, files)
        assert sh(['podman', 'exec', 'cxlab-%s' % host, 'sh', '-c', 'command -v mstflint'], check=False).returncode != 0, host
    assert not os.path.exists(os.path.join(REPO, '.cache', 'lab', 'backups'))


def test_bad_input_on_one_host_stops_every_host_before_any_change(lab, tmp_path):
    """pve2 alone has a bad setting: the preflight refuses it and no host goes on (none installs the tools)."""
    extra = tmp_path / 'pve2-bad.yml'
    extra.write_text(yaml.safe_dump({'all': {'hosts': {'pve2': {'connectx_iperf3': 'sometimes'}}}}))
    res = sh(PLAYBOOK[:1] + ['-i', INVENTORY, '-i', str(extra)] + PLAYBOOK[3:], check=False)
    assert res.returncode != 0
    assert re.search(r'fatal: \[pve2\]: FAILED!.*\n(.*\n)*?.*connectx_iperf3', res.stdout), res.stdout[-4000:]
    counts = recap(res.stdout)
    assert counts['pve2']['failed'] == 1 and all(c['changed'] == 0 for c in counts.values()), counts
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        assert sh(['podman', 'exec', 'cxlab-%s' % host, 'sh', '-c', 'command -v mstflint'], check=False).returncode != 0, host


def test_a_type_error_is_one_sentence_per_host_not_the_argument_spec(lab, tmp_path):
    """A string where a list of ports belongs: one sentence naming host, variable and what it must be, before any
    change (a role's own validation printed its ~4 KB argument spec per host); a misspelt variable is warned."""
    extra = tmp_path / 'pve2-string.yml'
    bad = {'connectx_interfaces': 'ens1', 'connectx_firmare_image': 'fw.bin'}
    extra.write_text(yaml.safe_dump({'all': {'hosts': {'pve2': bad}}}))
    res = sh(PLAYBOOK[:1] + ['-i', INVENTORY, '-i', str(extra)] + PLAYBOOK[3:], check=False)
    assert res.returncode != 0
    assert ("pve2: connectx_interfaces is the string 'ens1', but it must be a list of mappings with the keys name "
            "(required), address, mtu, bridge") in res.stdout + res.stderr, res.stdout[-4000:]
    assert 'connectx_firmare_image is not a variable of homelab.connectx, nothing reads it - did you mean ' \
           'connectx_firmware_image?' in res.stdout + res.stderr
    assert 'argument_spec' not in res.stdout
    assert len(res.stdout) < 4000, len(res.stdout)
    counts = recap(res.stdout)
    assert counts['pve2']['failed'] == 1 and all(c['changed'] == 0 for c in counts.values()), counts
    assert all(w == 0 for w in flash_writes().values())


def mft_deb(folder, version):
    """A tiny real Debian package named and versioned as NVIDIA's MFT (Package: mft), built by dpkg-deb; its one file
    is a stand-in (the preflight must refuse it before anything would install it)."""
    root = os.path.join(str(folder), 'mft-%s' % version)
    os.makedirs(os.path.join(root, 'DEBIAN'))
    os.makedirs(os.path.join(root, 'usr', 'share', 'doc', 'mft'))
    with open(os.path.join(root, 'DEBIAN', 'control'), 'w') as handle:
        handle.write('Package: mft\nVersion: %s\nArchitecture: amd64\nMaintainer: homelab.connectx tests '
                     '<tests@example.invalid>\nDescription: stand-in for NVIDIA MFT %s\n' % (version, version))
    with open(os.path.join(root, 'usr', 'share', 'doc', 'mft', 'README'), 'w') as handle:
        handle.write('stand-in\n')
    path = os.path.join(str(folder), 'mft_%s_amd64.deb' % version)
    sh(['dpkg-deb', '--root-owner-group', '--build', root, path])
    return path


def test_an_mft_package_of_4_33_or_later_is_refused_before_any_change(lab, tmp_path):
    """connectx_tool: mft with an MFT 4.33 package: the tools preflight reads the .deb's Package and Version on the
    controller and refuses it for every host (all have a ConnectX-3), with the file, its version, the last MFT that
    lists ConnectX-3 (4.32) and the fix, before any host installs or stages anything and before any card is written."""
    if not shutil.which('dpkg-deb'):
        pytest.skip('dpkg-deb builds the test package')
    package = mft_deb(tmp_path, '4.33.0-53')
    extra = json.dumps({'connectx_tool': 'mft', 'connectx_mft_packages': [package]})
    res = sh(PLAYBOOK + ['-e', extra], check=False)
    assert res.returncode != 0
    flat = ' '.join(res.stdout.split())  # the YAML callback wraps long messages
    assert ('%s is the package mft 4.33.0-53: NVIDIA MFT 4.33.0 does not support ConnectX-3/ConnectX-3 Pro cards'
            % package) in flat, res.stdout[-4000:]
    assert 'the last MFT that does is 4.32). Fix: use NVIDIA MFT 4.32 or earlier' in flat
    assert 'Nothing has been installed or changed on any host.' in flat
    counts = recap(res.stdout)
    assert counts['pve1']['failed'] == 1 and all(c['changed'] == 0 for c in counts.values()), counts
    assert all(w == 0 for w in flash_writes().values())
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        probe = 'command -v flint || command -v mstflint || test -e /var/lib/connectx/packages'
        assert sh(['podman', 'exec', 'cxlab-%s' % host, 'sh', '-c', probe], check=False).returncode != 0, host
    assert cards()['pve1']['psid'] == 'MT_1090110018'


def test_tags_backup_only_backs_up(lab, tmp_path):
    """--tags backup on fresh nodes: the tools installed, every card backed up to the controller, nothing burned or
    configured, no reboot."""
    before, nv_before = flash_writes(), flash_writes('nv_writes')
    res, costs = counted(PLAYBOOK + ['--tags', 'backup'], tmp_path)
    counts = recap(res.stdout)
    assert set(counts) == {'pve1', 'pve2', 'pve3', 'ws1'} and all(c['failed'] == 0 for c in counts.values()), res.stdout[-3000:]
    assert all(c['reboots'] == 0 for c in costs.values()), costs
    assert flash_writes() == before and flash_writes('nv_writes') == nv_before
    with open(INVENTORY) as handle:
        backups = yaml.safe_load(handle)['all']['vars']['connectx_backup_dir']
    for host, psid in (('pve1', 'MT_1090110018'), ('pve2', 'MT_1090110018'), ('pve3', 'MT_1090120019'), ('ws1', 'MT_1090120019')):
        names = os.listdir(os.path.join(backups, host))
        assert 'SHA256SUMS' in names and [n for n in names if n.startswith(psid) and n.endswith('.image')], (host, names)
    assert cards()['pve1']['psid'] == 'MT_1090110018'


def test_check_mode_with_the_tools_shows_the_burn(lab):
    """Once the tools are installed (the tools role for real), check mode reads the flash and shows the burn."""
    sh([PLAYBOOK[0], '-i', INVENTORY, os.path.join(HERE, 'playbooks', 'tools.yml')])
    before, backups = flash_writes(), backup_files()
    res = sh(PLAYBOOK + ['--check', '--diff'])
    assert all(r['failed'] == 0 for r in recap(res.stdout).values()), res.stdout[-3000:]
    assert 'psid: MT_1090120019' in res.stdout  # the diff shows what would be burned
    assert flash_writes() == before
    assert backup_files() == backups  # check mode writes no backup (the ones of --tags backup stay as they were)


def test_relative_paths_are_taken_from_the_inventory_directory(lab, tmp_path):
    """connectx_firmware_image: firmware/<image> next to the inventory is found (not looked up in the collection
    or the current directory): check mode gets past the image check and shows the burn."""
    inventory = relative_inventory(str(tmp_path))
    res = sh([PLAYBOOK[0], '-i', inventory, os.path.join(REPO, 'playbooks', 'crossflash.yml'), '--limit', 'pve1',
              '--check', '--diff'], check=False)
    assert res.returncode == 0, res.stdout[-4000:]
    assert 'psid: MT_1090120019' in res.stdout
    assert not os.path.exists(os.path.join(str(tmp_path), 'backups'))


def counted(argv, tmp_path):
    """Run a playbook with bench/callback_plugins/connectx_counts: (result, {host: task_starts, module_calls, reboots})."""
    path = str(tmp_path / 'counts.json')
    res = sh(argv, env={'ANSIBLE_CALLBACK_PLUGINS': os.path.join(REPO, 'bench', 'callback_plugins'),
                        'ANSIBLE_CALLBACKS_ENABLED': 'connectx_counts', 'CONNECTX_COUNTS_FILE': path})
    with open(path) as handle:
        return res, json.load(handle)


def test_first_run_crossflashes_and_asserts_every_link(lab, tmp_path):
    res, costs = counted(PLAYBOOK, tmp_path)
    counts = recap(res.stdout)
    assert set(counts) == {'pve1', 'pve2', 'pve3', 'ws1'} and all(c['failed'] == 0 for c in counts.values()), res.stdout[-3000:]
    # A burn and the port settings share one reboot (they took two before).
    assert costs['pve1']['reboots'] == 1 and costs['pve2']['reboots'] == 1, costs
    state = cards()
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        assert (state[host]['psid'], state[host]['fw'], state[host]['running_fw']) == ('MT_1090120019', '2.42.5000', '2.42.5000'), host
    writes = flash_writes()
    assert writes['pve1'] > 0 and writes['pve2'] > 0 and writes['pve3'] == 0 and writes['ws1'] == 0
    with open(INVENTORY) as handle:
        backups = yaml.safe_load(handle)['all']['vars']['connectx_backup_dir']
    for host in ('pve1', 'pve2'):
        folder = os.path.join(backups, host)
        sums = dict(reversed(line.split('  ')) for line in open(os.path.join(folder, 'SHA256SUMS')).read().splitlines())
        images = [name for name in sums if name.endswith('.image')]
        assert images and images[0].startswith('MT_1090110018_2.40.5030_'), sums
        for name, digest in sums.items():
            with open(os.path.join(folder, name), 'rb') as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == digest, name
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        lsmod = sh(['podman', 'exec', 'cxlab-%s' % host, 'lsmod']).stdout
        assert 'mlx4_en' in lsmod and 'mlx4_ib' not in lsmod, host
        conf = sh(['podman', 'exec', 'cxlab-%s' % host, 'mstconfig', '-d', BDF, 'q']).stdout
        assert re.search(r'LINK_TYPE_P1\s+ETH\(2\)', conf) and re.search(r'LINK_TYPE_P2\s+ETH\(2\)', conf), host
        sh(['podman', 'exec', 'cxlab-%s' % host, 'ifquery', '--check', '--all'])
    ethtool = sh(['podman', 'exec', 'cxlab-pve1', 'ethtool', 'ens1']).stdout
    assert 'Speed: 40000Mb/s' in ethtool and 'Link detected: yes' in ethtool
    report = open(os.path.join(REPO, 'reports', 'links.md')).read()
    assert re.search(r'^\| pve1-pve2 \| DEGRADED \|.*limited by pve2:ens1 sits in PCIe 3.0 x4 \(8 GT/s\): ceiling 31.5 Gb/s raw',
                     report, re.M), report
    assert re.search(r'^\| pve1-pve3 \| OK \| 56.0 Gb/s \| 56.0 Gb/s \|', report, re.M)
    # Each host's release and tool, with the pinned package on hold (so apt upgrade keeps it); on the Proxmox VE 9
    # node (pve2) Debian 12's package from bookworm.
    for host in ('pve1', 'pve3', 'ws1'):
        assert '| %s | Debian GNU/Linux 12 (bookworm) | mstflint 4.21.0 (package mstflint 4.21.0+1-1, held) |' % host in report, report
    assert ('| pve2 | Debian GNU/Linux 13 (trixie) | mstflint 4.21.0 (package mstflint 4.21.0+1-1 from Debian 12 bookworm, '
            'pinned, held) |') in report, report
    assert os.path.getsize(os.path.join(REPO, 'reports', 'links.html')) > 1000


def test_second_run_changes_nothing(lab):
    before = flash_writes()
    res = sh(PLAYBOOK)
    counts = recap(res.stdout)
    assert all(c['changed'] == 0 and c['failed'] == 0 for c in counts.values()), counts
    assert flash_writes() == before


def test_tags_links_rechecks_and_rewrites_the_report_with_no_change(lab):
    """--tags links on the converged lab: the links checked again and the report written again, no change, no write to
    any card (no firmware job, no port setting, no driver or interfaces step)."""
    report = os.path.join(REPO, 'reports', 'links.md')
    os.remove(report)
    before, nv_before = flash_writes(), flash_writes('nv_writes')
    res = sh(PLAYBOOK + ['--tags', 'links'])
    counts = recap(res.stdout)
    assert set(counts) == {'pve1', 'pve2', 'pve3', 'ws1'}
    assert all(c['changed'] == 0 and c['failed'] == 0 for c in counts.values()), counts
    assert os.path.exists(report)
    assert flash_writes() == before and flash_writes('nv_writes') == nv_before
    # Task lines as the callback prints them (the roles' argument checks name the roles' purposes, not their tasks).
    for task in ('firmware : Back up and burn', 'port_config : Apply the port settings',
                 'driver : Use the Ethernet driver', 'interfaces : Write and apply the stanzas'):
        assert task not in res.stdout, task
    assert 'link_check : Read and compare both ends of each link' in res.stdout


def test_tags_links_still_refuses_bad_input(lab):
    res = sh(PLAYBOOK + ['--tags', 'links', '-e', '{"connectx_iperf3": "sometimes"}'], check=False)
    assert res.returncode != 0
    assert "connectx_iperf3 is the string 'sometimes', but it must be true or false" in res.stdout + res.stderr
    assert all(c['changed'] == 0 for c in recap(res.stdout).values())


def test_limit_to_one_host_checks_its_ends_and_skips_the_other_links(lab):
    """--limit pve2 with links that name pve1, pve3 and ws1: pve1-pve2 checks pve2's end and says pve1's was not in
    the run; pve1-pve3 and pve3-ws1 (no end on pve2) are skipped."""
    res = sh(PLAYBOOK + ['--limit', 'pve2'], check=False)
    assert res.returncode == 0, res.stdout[-4000:]
    assert set(recap(res.stdout)) == {'pve2'}
    report = open(os.path.join(REPO, 'reports', 'links.md')).read()
    assert re.search(r'^\| pve1-pve2 \| DEGRADED \|', report, re.M), report
    assert 'end a (pve1:ens1) was not in this run (left out by --limit): only end b was checked' in report, report
    assert 'pve1-pve3' not in report and 'pve3-ws1' not in report, report


def test_unplugged_cable_fails_link_check_by_name(lab):
    sh(LABCTL + ['unplug', 'pve3-ws1'])
    try:
        res = sh(PLAYBOOK, check=False)
        assert res.returncode != 0
        assert 'link pve3-ws1, end a (pve3:ens1d1): carrier is down (cable unplugged or peer port down)' in res.stdout
        report = open(os.path.join(REPO, 'reports', 'links.md')).read()
        assert re.search(r'^\| pve3-ws1 \| DOWN \|.*carrier is down', report, re.M)
        assert re.search(r'^\| pve1-pve2 \| DEGRADED \|', report, re.M)
    finally:
        sh(LABCTL + ['plug', 'pve3-ws1'])


def test_far_end_at_the_wrong_speed_fails_verify_by_name(lab):
    sh(['ip', 'netns', 'exec', 'cxlab-ws1', 'ethtool', '-s', 'ens1', 'speed', '10000', 'duplex', 'full', 'autoneg', 'off'])
    try:
        res = sh(PLAYBOOK[:-1] + [os.path.join(REPO, 'playbooks', 'verify.yml')], check=False)
        assert res.returncode != 0
        assert 'link pve3-ws1, end b (ws1:ens1): speed is 10000 Mb/s, expected 40000 Mb/s' in res.stdout
    finally:
        sh(['ip', 'netns', 'exec', 'cxlab-ws1', 'ethtool', '-s', 'ens1', 'speed', '40000', 'duplex', 'full', 'autoneg', 'off'])


def test_a_host_without_ifupdown_passes_with_nothing_to_configure_and_is_refused_by_name_otherwise(lab, tmp_path):
    """ws1 as a netplan/NetworkManager host (no /etc/network/interfaces): the interfaces role with
    connectx_interfaces: [] does nothing and passes; with ports to configure it says what is supported."""
    playbook = tmp_path / 'interfaces.yml'
    playbook.write_text(yaml.safe_dump([{'name': 'Interfaces', 'hosts': 'ws1', 'gather_facts': False,
                                         'roles': ['homelab.connectx.interfaces']}]))
    run = [PLAYBOOK[0], '-i', INVENTORY, str(playbook)]
    sh(['podman', 'exec', 'cxlab-ws1', 'mv', '/etc/network/interfaces', '/etc/network/interfaces.away'])
    try:
        res = sh(run + ['-e', '{"connectx_interfaces": []}'], check=False)
        assert res.returncode == 0, res.stdout[-3000:]
        assert recap(res.stdout)['ws1']['changed'] == 0
        res = sh(run, check=False)
        assert res.returncode != 0
        text = re.sub(r'\s+', ' ', res.stdout)
        assert 'ws1 has no /etc/network/interfaces (its network is configured by netplan' in text, res.stdout[-3000:]
        assert 'Set connectx_interfaces: [] for this host' in text
        assert 'File not found' not in text and 'Could not find' not in text
    finally:
        sh(['podman', 'exec', 'cxlab-ws1', 'mv', '/etc/network/interfaces.away', '/etc/network/interfaces'])


def test_the_stack_under_the_default_route_and_the_connection_is_protected(lab, tmp_path):
    """ws1 gets a default route over the bridge vmbr9 with the port eno1 (bonds and VLANs cannot be made here: the
    lab's kernel has neither module; test_netstack covers them with sysfs as the kernel links them). Neither the
    bridge, nor its port, nor mgmt0 (the interface Ansible connects to) may become a ConnectX port or bridge, and the
    refusal names the whole management path; nothing is written."""
    playbook = tmp_path / 'interfaces.yml'
    playbook.write_text(yaml.safe_dump([{'name': 'Interfaces', 'hosts': 'ws1', 'gather_facts': False,
                                         'roles': ['homelab.connectx.interfaces']}]))
    run = [PLAYBOOK[0], '-i', INVENTORY, str(playbook)]
    ns = ['ip', 'netns', 'exec', 'cxlab-ws1', 'ip']
    before = sh(['podman', 'exec', 'cxlab-ws1', 'ls', '-l', '/etc/network/interfaces.d']).stdout
    try:
        for argv in (['link', 'add', 'eno1', 'type', 'veth', 'peer', 'name', 'eno2'], ['link', 'add', 'vmbr9', 'type', 'bridge'],
                     ['link', 'set', 'eno1', 'master', 'vmbr9'], ['addr', 'add', '198.18.250.1/24', 'dev', 'vmbr9'],
                     ['link', 'set', 'eno1', 'up'], ['link', 'set', 'eno2', 'up'], ['link', 'set', 'vmbr9', 'up'],
                     ['route', 'add', 'default', 'via', '198.18.250.254', 'dev', 'vmbr9', 'onlink']):
            sh(ns + argv)
        for ports, bad in (([{'name': 'eno1', 'address': '198.18.251.1/30'}], 'eno1'),
                           ([{'name': 'ens1', 'bridge': 'vmbr9'}], 'vmbr9'),
                           ([{'name': 'mgmt0'}], 'mgmt0')):
            res = sh(run + ['-e', json.dumps({'connectx_interfaces': ports})], check=False)
            assert res.returncode != 0
            text = re.sub(r'\s+', ' ', res.stdout)
            assert ('Refused: %s carries the management connection of ws1 (the management path there: eno1, mgmt0, vmbr9)'
                    % bad) in text, res.stdout[-3000:]
        assert sh(['podman', 'exec', 'cxlab-ws1', 'ls', '-l', '/etc/network/interfaces.d']).stdout == before
    finally:
        sh(ns + ['link', 'del', 'vmbr9'], check=False)
        sh(ns + ['link', 'del', 'eno1'], check=False)


@pytest.mark.parametrize('extra, message', [
    # The lab names no management interface: vmbr0 holds the address Ansible connects to and the default route,
    # mgmt0 is its port (as the Proxmox VE installer sets a node up).
    ('{"connectx_interfaces": [{"name": "mgmt0", "address": "198.19.0.99/24"}]}',
     'Refused: mgmt0 carries the management connection of pve1 (the management path there: mgmt0, vmbr0)'),
    ('{"connectx_interfaces": [{"name": "ens1", "bridge": "vmbr0"}]}',
     'Refused: vmbr0 carries the management connection of pve1 (the management path there: mgmt0, vmbr0)'),
    ('{"connectx_links": [{"name": "x", "a": {"host": "pve1", "iface": "ens1"}, "b": {"host": "nas9", "iface": "eth0"}, '
     '"speed_mbps": 40000}]}', 'link x: end b names host nas9, which is not in this play'),
    ('{"connectx_allowed_psid_changes": [{"from": "MT_1", "to": "MT_2"}]}', 'allowlist'),
    ('{"connectx_firmware_image": "/nonexistent/fw.bin"}', '/nonexistent/fw.bin'),
    ('{"connectx_iperf3": "sometimes"}', 'connectx_iperf3'),
    # YAML's `on` is a boolean: 1 VF (or, for a LINK_TYPE, InfiniBand) if it were taken as a number.
    ('{"connectx_port_settings": {"LINK_TYPE_P1": "ETH", "LINK_TYPE_P2": "ETH", "NUM_OF_VFS": true}}',
     'NUM_OF_VFS: True is a boolean'),
    ('{"connectx_links": [{"name": "y", "a": {"host": "pve1", "iface": "ens1"}, "b": {"host": "pve2", "iface": "ens9"}, '
     '"speed_mbps": 40000}]}', 'link y: end b names pve2:ens9, which is not in the connectx_interfaces of pve2'),
])
def test_bad_input_is_refused_before_any_change(lab, extra, message):
    sh(LABCTL + ['down'])
    sh(LABCTL + ['up'])
    res = sh(PLAYBOOK + ['-e', extra], check=False)
    assert res.returncode != 0
    assert message in res.stdout, res.stdout[-4000:]
    assert all(w == 0 for w in flash_writes().values())
    assert cards()['pve1']['psid'] == 'MT_1090110018'


def relative_inventory(folder):
    """The lab's inventory as a user writes one: in its own folder, the image, backups and reports given relative
    to it (the playbooks run from the repository, another directory). Returns the inventory's path."""
    with open(INVENTORY) as handle:
        inventory = yaml.safe_load(handle)
    variables = inventory['all']['vars']
    os.makedirs(os.path.join(folder, 'firmware'), exist_ok=True)
    shutil.copy(variables['connectx_firmware_image'], os.path.join(folder, 'firmware'))
    variables['connectx_firmware_image'] = 'firmware/' + os.path.basename(variables['connectx_firmware_image'])
    variables['connectx_backup_dir'] = 'backups'
    variables['connectx_report_dir'] = 'reports'
    path = os.path.join(folder, 'inventory.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(inventory, handle)
    return path


@pytest.fixture(scope='module')
def crossflashed(lab, tmp_path_factory):  # pylint: disable=redefined-outer-name,unused-argument
    """A fresh lab with pve1 crossflashed by crossflash.yml from an inventory with relative paths: that inventory
    and the path of pve1's original image's backup, which must be in the inventory's backups/ folder."""
    sh(LABCTL + ['down'])
    sh(LABCTL + ['up'])
    folder = str(tmp_path_factory.mktemp('homelab'))
    inventory = relative_inventory(folder)
    crossflash = [PLAYBOOK[0], '-i', inventory, os.path.join(REPO, 'playbooks', 'crossflash.yml'), '--limit', 'pve1']
    sh(crossflash)
    assert cards()['pve1']['psid'] == 'MT_1090120019'
    backups = os.path.join(folder, 'backups', 'pve1')
    image = [n for n in os.listdir(backups) if n.startswith('MT_1090110018_2.40.5030_') and n.endswith('.image')][0]
    return inventory, os.path.join(backups, image)


def restore(crossflashed_on):
    """restore.yml on pve1 with the backup named relative to the inventory's folder, as restore.yml's header shows."""
    inventory, image = crossflashed_on
    relative = os.path.relpath(image, os.path.dirname(inventory))
    return sh([PLAYBOOK[0], '-i', inventory, os.path.join(REPO, 'playbooks', 'restore.yml'), '--limit', 'pve1',
               '-e', 'connectx_restore_image=%s' % relative], check=False)


def test_restore_refuses_a_backup_whose_checksum_does_not_match(crossflashed):  # pylint: disable=redefined-outer-name
    image = crossflashed[1]
    with open(image, 'rb') as handle:
        original = handle.read()
    writes = flash_writes()['pve1']
    try:
        with open(image, 'r+b') as handle:  # one flipped bit inside the image, size unchanged
            handle.seek(len(original) // 2)
            handle.write(bytes([original[len(original) // 2] ^ 0x01]))
        res = restore(crossflashed)
        assert res.returncode != 0, res.stdout[-3000:]
        assert 'checksum_mismatch: %s has sha256' % image in re.sub(r'\s+', ' ', res.stdout), res.stdout[-3000:]
        assert flash_writes()['pve1'] == writes
        state = cards()['pve1']
        assert (state['psid'], state['fw'], state['running_fw']) == ('MT_1090120019', '2.42.5000', '2.42.5000')
    finally:
        with open(image, 'wb') as handle:
            handle.write(original)


def test_restore_puts_the_original_firmware_back(crossflashed):  # pylint: disable=redefined-outer-name
    res = restore(crossflashed)
    assert res.returncode == 0, res.stdout[-6000:]
    state = cards()['pve1']
    assert (state['psid'], state['fw'], state['running_fw']) == ('MT_1090110018', '2.40.5030', '2.40.5030')
