# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Proxmox cluster stand-in (tests/lab/cluster.py, tests/lab/host/pve/*) without containers or root:
the real commands' outputs from a cluster state in tmp_path (CXLAB_CLUSTER_DIR), as node CXLAB_NODE.
docs/lab/cluster.md names the source of each format asserted here."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PVE = os.path.join(HERE, 'host', 'pve')
sys.path.insert(0, HERE)
import cluster  # noqa: E402  pylint: disable=wrong-import-position,import-error

HOSTS = {
    'pve1': {'group': 'proxmox', 'management': '198.19.0.11'},
    'pve2': {'group': 'proxmox', 'management': '198.19.0.12'},
    'pve3': {'group': 'proxmox', 'management': '198.19.0.13'},
    'pve4': {'group': 'proxmox', 'management': '198.19.0.14'},
    'ws1': {'group': 'linux_hosts', 'management': '198.19.0.21'},
}
GUESTS = [
    {'vmid': 100, 'type': 'qemu', 'name': 'web', 'node': 'pve1', 'status': 'running', 'ha': True, 'maxmem_mb': 2048, 'bootdisk_gb': 32},
    {'vmid': 101, 'type': 'qemu', 'name': 'build', 'node': 'pve1', 'status': 'stopped'},
    {'vmid': 102, 'type': 'qemu', 'name': 'db', 'node': 'pve2', 'status': 'running', 'maxmem_mb': 4096, 'bootdisk_gb': 64},
    {'vmid': 200, 'type': 'lxc', 'name': 'dns', 'node': 'pve2', 'status': 'running'},
    {'vmid': 201, 'type': 'lxc', 'node': 'pve1', 'status': 'running', 'onboot': True},
]


def topology(nodes=('pve1', 'pve2', 'pve3'), guests=None, **extra):
    spec = {'name': 'homelab', 'nodes': list(nodes), 'guests': copy.deepcopy(GUESTS if guests is None else guests)}
    spec.update(extra)
    return {'hosts': copy.deepcopy(HOSTS), 'cluster': spec}


class Lab:
    """A cluster state directory and the stand-in commands run on one of its nodes."""

    def __init__(self, directory, topo):
        self.dir = str(directory)
        cluster.write_state(self.dir, cluster.initial_state(topo))

    def boot(self, *nodes, **boot_ids):
        for node in nodes:
            with open(os.path.join(self.dir, 'up', node), 'w') as handle:
                handle.write(boot_ids.get(node, 'boot-%s-1' % node) + '\n')

    def down(self, node):
        os.unlink(os.path.join(self.dir, 'up', node))

    def run(self, node, *argv, **env):
        full = dict(os.environ, LC_ALL='C', TZ='UTC', CXLAB_CLUSTER_DIR=self.dir, CXLAB_NODE=node, CXLAB_ALLOW_NONROOT='1')
        full.update(env)
        return subprocess.run([os.path.join(PVE, argv[0])] + list(argv[1:]), env=full, capture_output=True, text=True,
                              timeout=60, check=False)

    def state(self):
        return cluster.read_state(self.dir)

    def guest(self, vmid):
        return [g for g in self.state()['guests'] if g['vmid'] == vmid][0]


@pytest.fixture
def three(tmp_path):
    lab = Lab(tmp_path, topology())
    lab.boot('pve1', 'pve2', 'pve3')
    return lab


def section(text, title):
    """The lines of one 'Title\\n-----\\n' section of pvecm status, up to the next empty line."""
    lines = text.split('\n')
    start = lines.index(title) + 2
    end = lines.index('', start)
    return lines[start:end]


def fields(lines):
    return dict((line[:18].rstrip(': '), line[18:]) for line in lines)


# ------------------------------------------------------------------ pvecm

def test_three_nodes_all_up_are_quorate(three):
    res = three.run('pve1', 'pvecm', 'status')
    assert res.returncode == 0, res.stderr
    assert res.stderr == ''
    out = res.stdout
    assert out.startswith('Cluster information\n-------------------\nName:             homelab\nConfig Version:   3\n'
                          'Transport:        knet\nSecure auth:      on\n\nQuorum information\n------------------\n')
    quorum = fields(section(out, 'Quorum information'))
    assert quorum['Quorum provider'] == 'corosync_votequorum'
    assert quorum['Nodes'] == '3'
    assert quorum['Node ID'] == '0x00000001'
    assert quorum['Ring ID'].startswith('1.')
    assert quorum['Quorate'] == 'Yes'
    votes = section(out, 'Votequorum information')
    assert votes == ['Expected votes:   3', 'Highest expected: 3', 'Total votes:      3', 'Quorum:           2  ',
                     'Flags:            Quorate ']
    assert out.endswith('\nMembership information\n----------------------\n'
                        '    Nodeid      Votes Name\n'
                        '0x00000001          1 198.19.0.11 (local)\n'
                        '0x00000002          1 198.19.0.12\n'
                        '0x00000003          1 198.19.0.13\n')


def test_pvecm_nodes_names_and_decimal_ids(three):
    res = three.run('pve2', 'pvecm', 'nodes')
    assert res.returncode == 0, res.stderr
    assert res.stdout == ('\nMembership information\n----------------------\n'
                          '    Nodeid      Votes Name\n'
                          '         1          1 pve1\n'
                          '         2          1 pve2 (local)\n'
                          '         3          1 pve3\n')


def test_two_nodes_one_down_is_not_quorate(tmp_path):
    lab = Lab(tmp_path, topology(nodes=('pve1', 'pve2')))
    lab.boot('pve1', 'pve2')
    assert lab.run('pve1', 'pvecm', 'status').returncode == 0
    lab.down('pve2')
    assert not cluster.node_online(lab.dir, 'pve2') and cluster.node_online(lab.dir, 'pve1')
    res = lab.run('pve1', 'pvecm', 'status')
    assert res.returncode == 2  # corosync-quorumtool EXIT_NOT_QUORATE
    quorum = fields(section(res.stdout, 'Quorum information'))
    assert quorum['Quorate'] == 'No' and quorum['Nodes'] == '1'
    assert section(res.stdout, 'Votequorum information') == [
        'Expected votes:   2', 'Highest expected: 2', 'Total votes:      1', 'Quorum:           2 Activity blocked', 'Flags:            ']
    assert res.stdout.endswith('    Nodeid      Votes Name\n0x00000001          1 198.19.0.11 (local)\n')


def test_qdevice_keeps_two_nodes_quorate(tmp_path):
    lab = Lab(tmp_path, topology(nodes=('pve1', 'pve2'), qdevice=True))
    lab.boot('pve1')
    res = lab.run('pve1', 'pvecm', 'status')
    assert res.returncode == 0, res.stdout + res.stderr
    assert fields(section(res.stdout, 'Cluster information'))['Config Version'] == '3'
    assert fields(section(res.stdout, 'Quorum information'))['Quorate'] == 'Yes'
    assert section(res.stdout, 'Votequorum information') == [
        'Expected votes:   3', 'Highest expected: 3', 'Total votes:      2', 'Quorum:           2  ', 'Flags:            Quorate Qdevice ']
    assert res.stdout.endswith('    Nodeid      Votes    Qdevice Name\n'
                               '0x00000001          1    A,V,NMW 198.19.0.11 (local)\n'
                               '0x00000000          1            Qdevice\n')


def test_votes_weight_the_quorum(tmp_path):
    lab = Lab(tmp_path, topology(votes={'pve1': 3}))
    lab.boot('pve1')  # 3 of 5 votes
    res = lab.run('pve1', 'pvecm', 'status')
    assert res.returncode == 0
    assert 'Total votes:      3\nQuorum:           3  \n' in res.stdout
    assert '0x00000001          3 198.19.0.11 (local)\n' in res.stdout


def test_node_outside_the_cluster_is_standalone(three):
    for argv in (('pvecm', 'status'), ('pvecm', 'nodes')):
        res = three.run('pve4', *argv)
        assert (res.returncode, res.stdout) == (2, '')
        assert res.stderr == "Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?\n"
    res = three.run('pve4', 'ha-manager', 'status')
    assert (res.returncode, res.stdout) == (0, 'quorum OK\n')


def test_node_whose_corosync_is_down(three):
    three.down('pve3')
    res = three.run('pve3', 'pvecm', 'status')
    assert res.returncode == 1
    assert res.stdout.startswith('Cluster information\n') and res.stdout.endswith('Secure auth:      on\n\n')
    assert res.stderr == 'Cannot initialize CMAP service\n'


def test_no_state_at_all_is_a_standalone_node(tmp_path):
    env = dict(os.environ, CXLAB_CLUSTER_DIR=str(tmp_path / 'none'), CXLAB_NODE='pve1', CXLAB_ALLOW_NONROOT='1')
    res = subprocess.run([os.path.join(PVE, 'pvecm'), 'status'], env=env, capture_output=True, text=True, check=False)
    assert res.returncode == 2 and 'is this node part of a cluster?' in res.stderr
    res = subprocess.run([os.path.join(PVE, 'qm'), 'list'], env=env, capture_output=True, text=True, check=False)
    assert (res.returncode, res.stdout, res.stderr) == (0, '', '')


# ------------------------------------------------------------------ qm / pct

def test_qm_list_only_this_nodes_vms_in_the_real_layout(three):
    res = three.run('pve1', 'qm', 'list')
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        '      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       \n'
        '       100 web                  running    2048              32.00 2001      \n'
        '       101 build                stopped    512                0.00 0         \n')
    assert '102' not in res.stdout
    assert three.run('pve3', 'qm', 'list').stdout == ''  # no VM on pve3: not even the header


def test_qm_shutdown_stops_the_vm(three):
    res = three.run('pve2', 'qm', 'shutdown', '102', '--timeout', '30')
    assert (res.returncode, res.stdout, res.stderr) == (0, '', '')
    assert three.run('pve2', 'qm', 'status', '102').stdout == 'status: stopped\n'
    assert three.guest(102)['status'] == 'stopped'
    assert three.run('pve2', 'qm', 'shutdown', '102').returncode == 0  # already stopped: nothing to do
    res = three.run('pve2', 'qm', 'start', '102')
    assert (res.returncode, res.stdout) == (0, '')
    assert three.run('pve2', 'qm', 'status', '102').stdout == 'status: running\n'
    res = three.run('pve2', 'qm', 'start', '102')
    assert (res.returncode, res.stderr) == (255, 'VM 102 already running\n')


def test_qm_shutdown_of_an_ha_vm_goes_through_ha(three):
    res = three.run('pve1', 'qm', 'shutdown', '100')
    assert (res.returncode, res.stdout) == (0, 'Requesting HA stop for VM 100\n')
    assert three.run('pve1', 'qm', 'status', '100').stdout == 'status: stopped\n'
    assert 'service vm:100 (pve1, stopped)\n' in three.run('pve1', 'ha-manager', 'status').stdout
    res = three.run('pve1', 'qm', 'start', '100')
    assert (res.returncode, res.stdout) == (0, 'Requesting HA start for VM 100\n')
    assert 'service vm:100 (pve1, started)\n' in three.run('pve1', 'ha-manager', 'status').stdout


def test_qm_unknown_vmid(three):
    res = three.run('pve1', 'qm', 'status', '999')
    assert (res.returncode, res.stdout) == (2, '')
    assert res.stderr == "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist\n"
    res = three.run('pve1', 'qm', 'status', '102')  # a VM of another node is not here either
    assert res.stderr == "Configuration file 'nodes/pve1/qemu-server/102.conf' does not exist\n"
    res = three.run('pve1', 'qm', 'shutdown', '999')
    assert res.returncode == 255
    assert res.stderr == "unable to find configuration file for VM 999 on node 'pve1'\n\n" \
                         "unable to find configuration file for VM 999 on node 'pve1'\n"
    res = three.run('pve1', 'qm', 'start', '999')
    assert (res.returncode, res.stderr) == (255, "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist\n")


@pytest.mark.parametrize('argv, stderr', [
    (['status'], '400 not enough arguments\nqm status <vmid> [OPTIONS]\n'),
    (['status', '100', '101'], '400 too many arguments\nqm status <vmid> [OPTIONS]\n'),
    (['status', 'abc'], "400 Parameter verification failed.\nvmid: type check ('integer') failed - got 'abc'\nqm status <vmid> [OPTIONS]\n"),
    (['status', '99'], '400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\n\n'
                       'qm status <vmid> [OPTIONS]\n'),
    (['shutdown', '100', '--bogus'], 'Unknown option: bogus\n400 unable to parse option\nqm shutdown <vmid> [OPTIONS]\n'),
    (['shutdown', '100', '--timeout'], 'Option timeout requires an argument\n400 unable to parse option\nqm shutdown <vmid> [OPTIONS]\n'),
    (['shutdown', '100', '--timeout', '-1'], '400 Parameter verification failed.\ntimeout: value must have a minimum value of 0\n'
                                             'qm shutdown <vmid> [OPTIONS]\n'),
])
def test_qm_argument_errors(three, argv, stderr):
    res = three.run('pve1', 'qm', *argv)
    assert (res.returncode, res.stdout, res.stderr) == (255, '', stderr)


def test_pct_list_status_shutdown(three):
    res = three.run('pve2', 'pct', 'list')
    assert res.stdout == ('VMID       Status     Lock         Name                \n'
                          '200        running                 dns                 \n')
    assert three.run('pve1', 'pct', 'list').stdout == ('VMID       Status     Lock         Name                \n'
                                                       '201        running                 CT201               \n')
    assert three.run('pve2', 'pct', 'status', '200').stdout == 'status: running\n'
    res = three.run('pve2', 'pct', 'shutdown', '200')
    assert (res.returncode, res.stdout, res.stderr) == (0, '', '')
    assert three.run('pve2', 'pct', 'status', '200').stdout == 'status: stopped\n'
    res = three.run('pve2', 'pct', 'shutdown', '200')
    assert (res.returncode, res.stderr) == (255, 'CT 200 not running\n')
    res = three.run('pve2', 'pct', 'status', '999')
    assert (res.returncode, res.stderr) == (2, "Configuration file 'nodes/pve2/lxc/999.conf' does not exist\n")
    assert three.run('pve2', 'pct', 'start', '200').returncode == 0
    res = three.run('pve2', 'pct', 'start', '200')
    assert (res.returncode, res.stderr) == (255, 'CT 200 already running\n')


def test_reboot_stops_guests_but_onboot_and_ha(three):
    three.run('pve1', 'qm', 'start', '101')
    assert three.guest(101)['status'] == 'running'
    three.down('pve1')
    three.boot('pve1', pve1='boot-pve1-2')
    listing = three.run('pve1', 'qm', 'list').stdout
    assert ' 100 web                  running ' in listing       # HA: the LRM starts it again
    assert ' 101 build                stopped ' in listing       # no onboot: stays stopped
    assert three.run('pve1', 'pct', 'status', '201').stdout == 'status: running\n'  # onboot
    assert three.guest(100)['pid'] != 2001
    assert three.guest(102)['status'] == 'running'  # other nodes' guests untouched


def test_start_needs_quorum(tmp_path):
    lab = Lab(tmp_path, topology(nodes=('pve1', 'pve2')))
    lab.boot('pve2')
    res = lab.run('pve2', 'qm', 'shutdown', '102')
    assert res.returncode == 0  # a plain shutdown does not
    res = lab.run('pve2', 'qm', 'start', '102')
    assert (res.returncode, res.stderr) == (255, 'cluster not ready - no quorum?\n')


# ------------------------------------------------------------------ ha-manager

def test_ha_status(three):
    res = three.run('pve2', 'ha-manager', 'status')
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == 'quorum OK'
    assert lines[1].startswith('master pve1 (active, ')
    assert [line.split(' (')[0] + ' (' + line.split(' (')[1].split(',')[0] for line in lines[2:5]] == [
        'lrm pve1 (active', 'lrm pve2 (idle', 'lrm pve3 (idle']
    assert lines[5:] == ['service vm:100 (pve1, started)']


def test_node_maintenance_moves_ha_guests_and_back(three):
    res = three.run('pve2', 'ha-manager', 'crm-command', 'node-maintenance', 'enable', 'pve1')
    assert (res.returncode, res.stdout, res.stderr) == (0, '', '')
    assert three.state()['nodes'][0]['maintenance'] is True
    status = three.run('pve1', 'ha-manager', 'status').stdout
    assert 'lrm pve1 (maintenance mode, ' in status
    assert 'service vm:100 (pve2, started)\n' in status  # pve2 and pve3 carry no HA service: the name breaks the tie
    assert ' 100 web ' not in three.run('pve1', 'qm', 'list').stdout
    assert ' 100 web                  running ' in three.run('pve2', 'qm', 'list').stdout
    assert ' 101 build ' in three.run('pve1', 'qm', 'list').stdout  # not HA: stays
    res = three.run('pve3', 'ha-manager', 'crm-command', 'node-maintenance', 'disable', 'pve1')
    assert (res.returncode, res.stdout, res.stderr) == (0, '', '')
    status = three.run('pve1', 'ha-manager', 'status').stdout
    assert 'lrm pve1 (active, ' in status
    assert 'service vm:100 (pve1, started)\n' in status
    assert three.state()['ha']['resources']['vm:100']['maintenance_node'] is None


def test_maintenance_survives_a_reboot_and_an_offline_node_freezes(three):
    three.run('pve1', 'ha-manager', 'crm-command', 'node-maintenance', 'enable', 'pve1')
    three.down('pve1')
    status = three.run('pve2', 'ha-manager', 'status').stdout
    assert 'lrm pve1 (maintenance mode, ' in status and 'service vm:100 (pve2, started)' in status
    three.boot('pve1', pve1='boot-pve1-2')
    three.run('pve1', 'ha-manager', 'crm-command', 'node-maintenance', 'disable', 'pve1')
    three.down('pve1')  # a reboot without maintenance: services frozen, LRM in restart mode
    status = three.run('pve2', 'ha-manager', 'status').stdout
    assert 'lrm pve1 (restart mode, ' in status and 'service vm:100 (pve1, freeze)' in status


def test_maintenance_of_unknown_or_offline_node(three):
    res = three.run('pve1', 'ha-manager', 'crm-command', 'node-maintenance', 'enable', 'pve9')
    assert (res.returncode, res.stderr) == (255, "no such cluster node 'pve9'\n")
    three.down('pve3')
    res = three.run('pve1', 'ha-manager', 'crm-command', 'node-maintenance', 'enable', 'pve3')
    assert res.returncode == 0
    assert three.state()['nodes'][2]['maintenance'] is False  # the CRM ignores it: node not online
    res = three.run('pve1', 'ha-manager', 'crm-command', 'node-maintenance', 'enable')
    assert (res.returncode, res.stderr) == (255, '400 not enough arguments\nha-manager crm-command node-maintenance enable <node>\n')


def test_ha_commands_without_quorum(tmp_path):
    lab = Lab(tmp_path, topology(nodes=('pve1', 'pve2')))
    lab.boot('pve1')
    status = lab.run('pve1', 'ha-manager', 'status').stdout
    assert status.startswith("quorum No quorum on node 'pve1'!\n")
    res = lab.run('pve1', 'ha-manager', 'crm-command', 'node-maintenance', 'enable', 'pve1', CXLAB_CFS_LOCK_TIMEOUT='2')
    assert res.returncode == 255
    assert res.stderr == "trying to acquire cfs lock 'domain-ha' ...\ncfs-lock 'domain-ha' error: no quorum!\n"
    res = lab.run('pve1', 'qm', 'shutdown', '100', CXLAB_CFS_LOCK_TIMEOUT='2')
    assert res.returncode == 255
    assert res.stdout == "Requesting HA stop for VM 100\ntrying to acquire cfs lock 'domain-ha' ...\ncfs-lock 'domain-ha' error: no quorum!\n"
    assert res.stderr == "command 'ha-manager crm-command stop vm:100 60' failed: exit code 255\n"
    assert lab.guest(100)['status'] == 'running'


def test_waiting_for_the_cfs_lock_does_not_block_other_commands(tmp_path):
    lab = Lab(tmp_path, topology(nodes=('pve1', 'pve2')))
    lab.boot('pve1')
    env = dict(os.environ, CXLAB_CLUSTER_DIR=lab.dir, CXLAB_NODE='pve1', CXLAB_ALLOW_NONROOT='1', CXLAB_CFS_LOCK_TIMEOUT='5')
    slow = subprocess.Popen([os.path.join(PVE, 'ha-manager'), 'crm-command', 'node-maintenance', 'enable', 'pve1'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1)
        started = time.time()
        assert lab.run('pve1', 'qm', 'list').returncode == 0
        assert time.time() - started < 3
    finally:
        slow.communicate(timeout=30)
    assert slow.returncode == 255


def test_concurrent_writers_lose_no_update(tmp_path):
    guests = [{'vmid': 300 + i, 'type': 'qemu', 'node': 'pve%d' % (1 + i % 3), 'status': 'stopped'} for i in range(12)]
    lab = Lab(tmp_path, topology(guests=guests))
    lab.boot('pve1', 'pve2', 'pve3')
    env = dict(os.environ, CXLAB_CLUSTER_DIR=lab.dir, CXLAB_ALLOW_NONROOT='1')
    procs = [subprocess.Popen([os.path.join(PVE, 'qm'), 'start', str(g['vmid'])], env=dict(env, CXLAB_NODE=g['node']))
             for g in guests]
    assert [p.wait(timeout=60) for p in procs] == [0] * len(guests)
    state = lab.state()
    assert all(g['status'] == 'running' for g in state['guests'])
    assert len(set(g['pid'] for g in state['guests'])) == len(guests)


def test_not_emulated_and_root(three):
    res = three.run('pve1', 'pvecm', 'expected', '1')
    assert res.returncode == 255 and res.stderr.startswith('cxlab stand-in: `pvecm expected 1` is not emulated')
    if os.geteuid() != 0:
        env = dict(os.environ, CXLAB_CLUSTER_DIR=three.dir, CXLAB_NODE='pve1')
        env.pop('CXLAB_ALLOW_NONROOT', None)
        res = subprocess.run([os.path.join(PVE, 'qm'), 'list'], env=env, capture_output=True, text=True, check=False)
        assert (res.returncode, res.stderr) == (255, 'please run as root\n')


def test_install_links_only_on_proxmox_hosts(tmp_path, three):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    env = dict(os.environ, CXLAB_CLUSTER_DIR=three.dir)
    for node, linked in (('pve4', True), ('ws1', False)):
        subprocess.run([sys.executable, os.path.join(PVE, 'cxlab_pve.py'), 'install', str(bindir)], env=dict(env, CXLAB_NODE=node), check=True)
        assert sorted(os.listdir(str(bindir))) == (sorted(['pvecm', 'ha-manager', 'qm', 'pct']) if linked else [])
    subprocess.run([sys.executable, os.path.join(PVE, 'cxlab_pve.py'), 'install', str(bindir)], env=dict(env, CXLAB_NODE='pve1'), check=True)
    res = subprocess.run([str(bindir / 'qm'), 'list'], env=dict(env, CXLAB_NODE='pve1', CXLAB_ALLOW_NONROOT='1'),
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0 and ' 100 web ' in res.stdout  # through the link: the library is found


# ------------------------------------------------------------------ controller side

def test_initial_state_is_json_and_complete():
    state = cluster.initial_state(topology(votes={'pve2': 2}, qdevice=False))
    assert json.loads(json.dumps(state)) == state
    assert [(n['name'], n['nodeid'], n['votes'], n['ring0_addr'], n['maintenance']) for n in state['nodes']] == [
        ('pve1', 1, 1, '198.19.0.11', False), ('pve2', 2, 2, '198.19.0.12', False), ('pve3', 3, 1, '198.19.0.13', False)]
    assert state['ha']['resources'] == {'vm:100': {'state': 'started', 'maintenance_node': None}}
    assert state['pve_hosts'] == ['pve1', 'pve2', 'pve3', 'pve4']
    assert cluster.initial_state({'hosts': HOSTS})['nodes'] == []
    odd = cluster.initial_state(topology(qdevice=True))['qdevice']
    assert odd == {'name': 'Qdevice', 'algorithm': 'lms', 'votes': 2}


def test_write_state_is_atomic_and_readable(tmp_path):
    state = cluster.initial_state(topology())
    cluster.write_state(str(tmp_path), state)
    assert cluster.read_state(str(tmp_path)) == state
    assert sorted(os.listdir(str(tmp_path))) == ['cluster.json', 'cluster.lock', 'up']
    assert cluster.read_state(str(tmp_path / 'nothing')) is None


def _bad(path, value):
    """topology() with the value at `path` (a list of keys / indexes under cluster) replaced."""
    topo = topology()
    target = topo['cluster']
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return topo


@pytest.mark.parametrize('topo, message', [
    ({'hosts': HOSTS, 'cluster': ['pve1']}, 'topology: cluster: must be a mapping'),
    (_bad(['color'], 'blue'), 'topology: cluster.color: unknown field'),
    (_bad(['name'], 'a cluster name that is too long'), 'topology: cluster.name: must be a cluster name'),
    (_bad(['name'], None), 'topology: cluster.name: must be a cluster name'),
    (_bad(['nodes'], 'pve1'), 'topology: cluster.nodes: must be a list'),
    (_bad(['nodes'], ['pve1', 'pve2', 'pve9']), 'topology: cluster.nodes[2]: host "pve9" is not in hosts'),
    (_bad(['nodes'], ['pve1', 'ws1']), 'topology: cluster.nodes[1]: host "ws1" is not a Proxmox host (group linux_hosts)'),
    (_bad(['nodes'], ['pve1', 'pve1']), 'topology: cluster.nodes[1]: host "pve1" is listed twice'),
    (_bad(['votes'], {'pve1': 0}), 'topology: cluster.votes.pve1: must be a positive integer, got 0'),
    (_bad(['votes'], {'pve1': True}), 'topology: cluster.votes.pve1: must be a positive integer, got True'),
    (_bad(['votes'], {'pve4': 1}), 'topology: cluster.votes.pve4: not a node of cluster.nodes'),
    (_bad(['votes'], [1]), 'topology: cluster.votes: must be a mapping'),
    (_bad(['qdevice'], 'yes'), "topology: cluster.qdevice: must be true or false, got 'yes'"),
    (topology(nodes=('pve1',), guests=[], qdevice=True), 'topology: cluster.qdevice: a QDevice needs at least 2 cluster nodes'),
    (_bad(['guests'], {}), 'topology: cluster.guests: must be a list'),
    (_bad(['guests', 0], 'vm'), 'topology: cluster.guests[0]: must be a mapping'),
    (_bad(['guests', 0, 'vmid'], 99), 'topology: cluster.guests[0].vmid: must be an integer 100..999999999, got 99'),
    (_bad(['guests', 0, 'vmid'], 1000000000), 'topology: cluster.guests[0].vmid: must be an integer 100..999999999'),
    (_bad(['guests', 0, 'vmid'], '100'), "topology: cluster.guests[0].vmid: must be an integer 100..999999999, got '100'"),
    (_bad(['guests', 1, 'vmid'], 100), 'topology: cluster.guests[1].vmid: 100 is already used by cluster.guests[0]'),
    (_bad(['guests', 0, 'type'], 'vm'), "topology: cluster.guests[0].type: must be qemu or lxc, got 'vm'"),
    (_bad(['guests', 0, 'status'], 'paused'), "topology: cluster.guests[0].status: must be running or stopped, got 'paused'"),
    (_bad(['guests', 0, 'ha'], 'yes'), "topology: cluster.guests[0].ha: must be true or false, got 'yes'"),
    (_bad(['guests', 0, 'onboot'], 1), 'topology: cluster.guests[0].onboot: must be true or false, got 1'),
    (_bad(['guests', 0, 'node'], 'pve9'), 'topology: cluster.guests[0].node: host "pve9" is not in hosts'),
    (_bad(['guests', 0, 'node'], 'pve4'), 'topology: cluster.guests[0].ha: HA needs a cluster node: "pve4" is not in cluster.nodes'),
    (_bad(['guests', 0, 'name'], 'web server'), "topology: cluster.guests[0].name: must be a DNS name"),
    (_bad(['guests', 0, 'maxmem_mb'], 8), 'topology: cluster.guests[0].maxmem_mb: must be an integer >= 16, got 8'),
    (_bad(['guests', 0, 'bootdisk_gb'], -1), 'topology: cluster.guests[0].bootdisk_gb: must be a number >= 0, got -1'),
    (_bad(['guests', 3, 'maxmem_mb'], 512), 'topology: cluster.guests[3].maxmem_mb: only for type qemu'),
    (_bad(['guests', 0, 'cores'], 4), 'topology: cluster.guests[0].cores: unknown field'),
])
def test_validate_names_the_field(topo, message):
    with pytest.raises(ValueError) as info:
        cluster.validate(topo)
    assert str(info.value).startswith(message)
    assert '\n' not in str(info.value)


def test_validate_accepts_good_topologies():
    cluster.validate({'hosts': HOSTS})
    cluster.validate(topology())
    cluster.validate(topology(nodes=(), guests=[{'vmid': 100, 'type': 'qemu', 'node': 'pve4'}], name=None))
    cluster.validate(topology(nodes=('pve1', 'pve2'), guests=[], votes={'pve1': 2}, qdevice=True))
