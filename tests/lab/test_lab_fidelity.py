# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab is at least as hard as a real Proxmox VE 8 node: each property proved on the running lab.

- a fresh node: no mstflint or iperf3 until the tools role installs them from the lab's Debian mirror,
  which also offers a 4.26 stand-in that an unpinned install takes (and the role then refuses);
- reached over SSH only, host keys checked; one host logs in as a sudo user and needs become;
- a reboot is `ansible.builtin.reboot` with its defaults: the boot id changes, SSH comes back;
- carrier comes a few seconds after both ports of a cable are up (CXLAB_LINK_DELAY), not at once;
- the Proxmox cluster stand-in loses quorum when a 2-node cluster loses a node;
- `ethtool -m` decodes the cable module the topology declares; `labctl swap` moves the cable;
- bad topology input is refused with the field named, before anything is built.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys
import time

import pytest
import yaml

from labkit.shell import shell

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LABCTL = [sys.executable, os.path.join(HERE, 'labctl.py')]
INVENTORY = os.path.join(REPO, '.cache', 'lab', 'inventory.yml')
BIN = os.path.dirname(sys.executable)
ENV = dict(os.environ, LC_ALL='C.UTF-8', ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'))

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='the lab needs root (network namespaces, podman)')


# env= is set over ENV (the callers pass dict(ENV, ...), the same environment as before).
sh = shell(base_env=ENV)


def ex(host, *argv, **kw):
    return sh(['podman', 'exec', 'cxlab-%s' % host] + list(argv), **kw)


def adhoc(pattern, module, args='', check=True, extra=()):
    argv = [os.path.join(BIN, 'ansible'), '-i', INVENTORY, pattern, '-m', module, '-o'] + (['-a', args] if args else []) + list(extra)
    return sh(argv, check=check, timeout=300)


def carrier(host, dev):
    return ex(host, 'cat', '/sys/class/net/%s/carrier' % dev, check=False).stdout.strip() == '1'


def hostvars():
    with open(INVENTORY) as handle:
        inv = yaml.safe_load(handle)
    found = {}

    def walk(group):
        found.update(group.get('hosts') or {})
        for child in (group.get('children') or {}).values():
            walk(child)
    walk(inv['all'])
    return found


@pytest.fixture(scope='module')
def lab():
    sh(LABCTL + ['down'], check=False)  # fresh hosts: a kept lab has its tools installed
    sh(LABCTL + ['up'], timeout=1800)
    yield
    sh(LABCTL + ['down'], check=False)


def test_hosts_are_reached_over_ssh_with_host_keys_checked(lab):
    hv = hostvars()
    assert {h['ansible_connection'] for h in hv.values()} == {'ssh'}
    assert all(h['ansible_host'].startswith('198.19.0.') for h in hv.values())
    assert 'StrictHostKeyChecking=yes' in hv['pve1']['ansible_ssh_common_args']
    out = adhoc('connectx_hosts', 'ansible.builtin.command', 'cat /etc/hostname').stdout
    assert sorted(line.split()[0] for line in out.splitlines() if 'rc=0' in line) == sorted(hv)
    # A host key that does not match the lab's known_hosts is refused (checking is on, not bypassed).
    bad = os.path.join(REPO, '.cache', 'lab', 'ssh', 'known_hosts.wrong')
    with open(os.path.join(REPO, '.cache', 'lab', 'ssh', 'known_hosts')) as handle:
        lines = handle.read().splitlines()
    keys = [line.split(' ', 1)[1] for line in lines]
    with open(bad, 'w') as handle:  # every address paired with another host's key
        handle.write(''.join('%s %s\n' % (line.split()[0], keys[(i + 1) % len(keys)]) for i, line in enumerate(lines)))
    # A new connection (no ControlMaster: the last test's one would be reused) with the wrong keys.
    res = adhoc('pve1', 'ansible.builtin.ping', check=False, extra=[
        '-e', 'ansible_ssh_args="-o ControlMaster=no"',
        '-e', 'ansible_ssh_common_args="-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes"' % bad])
    os.unlink(bad)
    assert res.returncode != 0 and 'UNREACHABLE' in res.stdout + res.stderr, res.stdout + res.stderr


PLAYBOOK = os.path.join(BIN, 'ansible-playbook')
TOOLS = os.path.join(HERE, 'playbooks', 'tools.yml')


def installed(host, package):
    res = ex(host, 'dpkg-query', '--show', '--showformat=${db:Status-Status} ${Version}', package, check=False)
    return res.stdout.split()[1] if res.stdout.startswith('installed ') else None


def test_a_fresh_host_has_no_tools_until_the_tools_role_installs_them_from_the_lab_mirror(lab):
    for host in ('pve1', 'pve2'):
        assert installed(host, 'mstflint') is None and installed(host, 'iperf3') is None, host
        assert ex(host, 'sh', '-c', 'command -v mstflint', check=False).returncode != 0
        # As on a node that never ran `apt update`: the only source is the lab mirror, no lists yet.
        assert 'deb [trusted=yes] http://198.19.0.1:' in ex(host, 'cat', '/etc/apt/sources.list').stdout
        assert ex(host, 'apt-cache', 'policy', 'mstflint').stdout.strip() == ''
    # pve2 is the sudo host (apt runs with become) and a Proxmox VE 9 node: Debian 12's mstflint comes from bookworm
    # (deb.debian.org, which is the lab mirror in the lab), pinned above Debian 13's own 4.31.
    res = sh([PLAYBOOK, '-i', INVENTORY, TOOLS, '--limit', 'pve2'], check=False, env=dict(ENV, ANSIBLE_FORCE_COLOR='0'))
    assert res.returncode == 0, res.stdout[-3000:]
    assert installed('pve2', 'mstflint') == '4.21.0+1-1'
    policy = ex('pve2', 'apt-cache', 'policy', 'mstflint').stdout
    assert '*** 4.21.0+1-1 1001' in policy and 'http://deb.debian.org/debian bookworm/main' in policy, policy
    assert '4.31.0+1-4 500' in policy, policy  # Debian 13's own, which the pin keeps out
    assert 'mstflint 4.21.0' in ex('pve2', 'mstflint', '--version').stdout
    assert installed('pve1', 'mstflint') is None  # --limit: nothing elsewhere
    # A Proxmox VE 8 node's mirror offers the pinned version and the newer stand-in (kept out by the pin: below).
    ex('pve1', 'apt-get', 'update', '-q')
    policy = ex('pve1', 'apt-cache', 'policy', 'mstflint').stdout
    assert '4.21.0+1-1 500' in policy and '4.26.0+1-1~cxlab1 500' in policy, policy


def selection(host, package):
    return ex(host, 'dpkg', '--get-selections', package).stdout.split()[1:]


def test_the_pinned_mstflint_is_held_so_that_apt_upgrade_keeps_it(lab):
    """After the tools role (pve2, above) mstflint is on hold; on a Proxmox VE 8 node an upgrade would take the 4.26
    stand-in otherwise (pve3, in the next test)."""
    assert selection('pve2', 'mstflint') == ['hold']
    upgrade = ex('pve2', 'apt-get', '--simulate', 'upgrade').stdout
    assert 'Inst mstflint' not in upgrade, upgrade
    # connectx_tools_hold: false installs the pin and leaves the selection alone.
    res = sh([PLAYBOOK, '-i', INVENTORY, TOOLS, '--limit', 'pve1', '-e', 'connectx_tools_hold=false'], check=False,
             env=dict(ENV, ANSIBLE_FORCE_COLOR='0'))
    assert res.returncode == 0, res.stdout[-3000:]
    assert installed('pve1', 'mstflint') == '4.21.0+1-1' and selection('pve1', 'mstflint') == ['install']
    assert 'Inst mstflint [4.21.0+1-1] (4.26.0+1-1~cxlab1' in ex('pve1', 'apt-get', '--simulate', 'upgrade').stdout


def test_an_unpinned_mstflint_takes_the_4_26_stand_in_and_the_tools_role_refuses(lab):
    """What a node with a newer suite in its sources gets: the version check stops it before any card change."""
    res = sh([PLAYBOOK, '-i', INVENTORY, TOOLS, '--limit', 'pve3', '-e', 'connectx_mstflint_package=mstflint'],
             check=False, env=dict(ENV, ANSIBLE_FORCE_COLOR='0'))
    assert res.returncode != 0
    assert installed('pve3', 'mstflint') == '4.26.0+1-1~cxlab1'
    assert 'mstflint, mstflint 4.26.0' in ex('pve3', 'mstflint', '--version').stdout
    assert 'does not support ConnectX-3' in res.stdout and 'mstflint=4.21.0+1-1' in res.stdout, res.stdout[-3000:]
    assert 'Nothing has been changed on the cards' in res.stdout
    # The pinned default then puts 4.21 back (apt downgrades to the pin).
    res = sh([PLAYBOOK, '-i', INVENTORY, TOOLS, '--limit', 'pve3'], check=False, env=dict(ENV, ANSIBLE_FORCE_COLOR='0'))
    assert res.returncode == 0, res.stdout[-3000:]
    assert installed('pve3', 'mstflint') == '4.21.0+1-1' and selection('pve3', 'mstflint') == ['hold']
    upgrade = ex('pve3', 'apt-get', '--simulate', 'upgrade').stdout
    assert 'Inst mstflint' not in upgrade and 'mstflint' in upgrade, upgrade  # listed as kept back


def test_the_sudo_host_works_only_with_become(lab):
    hv = hostvars()
    assert hv['pve2']['ansible_user'] == 'cxadmin' and hv['pve2']['ansible_become'] is True
    assert 'pve2 | CHANGED | rc=0 | (stdout) root' in adhoc('pve2', 'ansible.builtin.command', 'id -un').stdout
    res = adhoc('pve2', 'ansible.builtin.command', 'touch /etc/modprobe.d/cxlab-probe.conf', check=False,
                extra=['-e', 'ansible_become=false'])
    assert res.returncode != 0 and 'Permission denied' in res.stdout, res.stdout
    # root does not log in over SSH on that host.
    res = adhoc('pve2', 'ansible.builtin.ping', check=False, extra=['-e', 'ansible_user=root', '-e', 'ansible_become=false'])
    assert res.returncode != 0 and 'UNREACHABLE' in res.stdout, res.stdout


def test_reboot_is_the_real_thing(lab):
    before = {h: ex(h, 'cat', '/proc/sys/kernel/random/boot_id').stdout.strip() for h in ('pve1', 'pve2')}
    # ansible.builtin.reboot with its own defaults: `shutdown -r 0 ...`, boot id from /proc.
    adhoc('pve1:pve2', 'ansible.builtin.reboot', 'reboot_timeout=120')
    after = {h: ex(h, 'cat', '/proc/sys/kernel/random/boot_id').stdout.strip() for h in ('pve1', 'pve2')}
    assert all(after[h] and after[h] != before[h] for h in before), (before, after)
    assert 'pong' in adhoc('pve1:pve2', 'ansible.builtin.ping').stdout


def test_a_proxmox_host_has_its_management_on_vmbr0_as_the_installer_sets_it_up(lab):
    """The address and the default route on the bridge vmbr0 over mgmt0, from /etc/network/interfaces through
    ifupdown2 (also after the reboot above); nothing of it in the inventory; ws1, not a Proxmox host, keeps its
    address on mgmt0."""
    interfaces = ex('pve1', 'cat', '/etc/network/interfaces').stdout
    assert 'iface mgmt0 inet manual' in interfaces and 'auto vmbr0' in interfaces
    assert '\tbridge-ports mgmt0\n' in interfaces and '\taddress 198.19.0.11/24\n' in interfaces
    assert interfaces.rstrip().endswith('source /etc/network/interfaces.d/*')
    assert 'master vmbr0' in ex('pve1', 'ip', '-o', 'link', 'show', 'mgmt0').stdout
    assert '198.19.0.11/24' in ex('pve1', 'ip', '-br', 'addr', 'show', 'vmbr0').stdout
    assert ex('pve1', 'ip', 'route', 'show', 'default').stdout.split()[:5] == ['default', 'via', '198.19.0.254', 'dev', 'vmbr0']
    assert '198.19.0.21/24' in ex('ws1', 'ip', '-br', 'addr', 'show', 'mgmt0').stdout
    assert not any(name == 'connectx_management_interface' for host in hostvars().values() for name in host)


def test_carrier_comes_only_after_the_link_delay(lab):
    for host in ('pve1', 'pve2'):
        ex(host, 'ip', 'link', 'set', 'ens1', 'down')
    time.sleep(0.5)
    assert not carrier('pve1', 'ens1')
    ex('pve1', 'ip', 'link', 'set', 'ens1', 'up')
    time.sleep(1)
    assert not carrier('pve1', 'ens1'), 'carrier while the far port (pve2:ens1) is down'
    start = time.time()
    ex('pve2', 'ip', 'link', 'set', 'ens1', 'up')
    assert not carrier('pve1', 'ens1') and not carrier('pve2', 'ens1'), 'carrier at once after ifup'
    while not (carrier('pve1', 'ens1') and carrier('pve2', 'ens1')) and time.time() - start < 15:
        time.sleep(0.2)
    took = time.time() - start
    assert 2.8 <= took < 15, 'carrier after %.1f s, expected the lab delay (3 s)' % took


def test_ethtool_m_shows_the_declared_module_and_swap_moves_the_cable(lab):
    for host, dev in (('pve1', 'ens1d1'), ('pve1', 'ens1'), ('pve3', 'ens1'), ('pve3', 'ens1d1')):
        ex(host, 'ip', 'link', 'set', dev, 'up')
    module = ex('pve1', 'ethtool', '-m', 'ens1d1').stdout
    assert 'Mellanox' in module and 'MC2207130-001' in module and '0x0d (QSFP+)' in module, module
    assert 'QSFP-40G-DAC1M' in ex('pve1', 'ethtool', '-m', 'ens1').stdout
    # pve3's ens1 (cable pve1-pve3) moved to ens1d1? ens1d1 carries pve3-ws1: swap needs a free port.
    res = sh(LABCTL + ['swap', 'pve3', 'ens1', 'ens1d1'], check=False)
    assert res.returncode == 1 and 'already cabled (cable pve3-ws1)' in res.stderr, res.stderr
    # ws1:ens1 (cable pve3-ws1) to ws1:ens1d1, the other port of the same card.
    ex('ws1', 'ip', 'link', 'set', 'ens1d1', 'up')
    sh(LABCTL + ['swap', 'ws1', 'ens1', 'ens1d1'])
    deadline = time.time() + 15
    while not carrier('ws1', 'ens1d1') and time.time() < deadline:
        time.sleep(0.2)
    assert carrier('ws1', 'ens1d1') and not carrier('ws1', 'ens1')
    assert 'MC2206310-003' in ex('ws1', 'ethtool', '-m', 'ens1d1').stdout
    empty = ex('ws1', 'ethtool', '-m', 'ens1', check=False)
    assert empty.returncode != 0 and 'Input/output error' in empty.stdout + empty.stderr
    status = json.loads(sh(LABCTL + ['status']).stdout)
    assert status['cables']['pve3-ws1']['ends'] == ['pve3:ens1d1', 'ws1:ens1d1']
    sh(LABCTL + ['swap', 'ws1', 'ens1d1', 'ens1'])
    assert json.loads(sh(LABCTL + ['status']).stdout)['cables']['pve3-ws1']['ends'] == ['pve3:ens1d1', 'ws1:ens1']


@pytest.mark.parametrize('topology, field', [
    ({'cables': [{'name': 'c', 'a': 'h1:ens1', 'b': 'h2:ens1', 'speed_mbps': 40000, 'module': {'type': 'cat6'}}]},
     'cables[0].module.type: unknown module type'),
    ({'cluster': {'name': 'lab', 'nodes': ['h1', 'pve9']}}, 'cluster.nodes[1]'),
    ({'management_subnet': '10.0.0.0/24'}, 'management_subnet" must be inside 198.18.0.0/15'),
])
def test_bad_topology_is_refused_with_the_field_named(tmp_path, topology, field):
    topo = {'target_image': 'MCX354A-FCBT', 'management_subnet': '198.19.0.0/24', 'hosts': dict(
        (h, {'group': 'proxmox', 'management': '198.19.0.%d' % (20 + i),
             'cards': [{'bdf': '0000:03:00.0', 'preset': 'MCX354A-QCBT', 'slot_speed': 8, 'slot_width': 8, 'netdevs': ['ens1', 'ens1d1']}]})
        for i, h in enumerate(('h1', 'h2')))}
    topo.update(topology)
    path = tmp_path / 'topology.yml'
    path.write_text(yaml.safe_dump(topo))
    res = sh(LABCTL + ['--topology', str(path), 'up'], check=False)
    assert res.returncode == 1 and field in res.stderr, res.stderr
    assert 'building' not in res.stderr and sh(['ip', 'netns', 'list']).stdout.count('cxlab-h1') == 0


def test_swap_of_a_port_with_no_card_is_refused(lab):
    res = sh(LABCTL + ['swap', 'pve1', 'ens1', 'ens2'], check=False)
    assert res.returncode == 1 and 'pve1:ens2 is not a port of a card of pve1' in res.stderr, res.stderr


def test_a_two_node_cluster_loses_quorum_with_a_node(tmp_path):
    with open(os.path.join(HERE, 'topology.yml')) as handle:
        topo = yaml.safe_load(handle)
    topo['hosts'] = dict((h, topo['hosts'][h]) for h in ('pve1', 'pve2'))
    for host in topo['hosts'].values():
        host['interfaces'] = [i for i in host.get('interfaces') or [] if i['name'] == 'ens1']
    topo['cables'] = [c for c in topo['cables'] if c['name'] == 'pve1-pve2']
    topo['cluster'] = {'name': 'pair', 'nodes': ['pve1', 'pve2'], 'guests': []}
    path = tmp_path / 'pair.yml'
    path.write_text(yaml.safe_dump(topo))
    try:
        sh(LABCTL + ['--topology', str(path), 'up'], timeout=1800)
        assert 'Quorate:          Yes' in ex('pve1', 'pvecm', 'status').stdout
        sh(['podman', 'stop', '-t', '10', 'cxlab-pve2'])  # pve2 shuts down (TERM to its init)
        status = ex('pve1', 'pvecm', 'status', check=False)
        assert 'Quorate:          No' in status.stdout and 'Activity blocked' in status.stdout, status.stdout
        sh(['podman', 'start', 'cxlab-pve2'])
        deadline = time.time() + 60
        while 'Quorate:          Yes' not in ex('pve1', 'pvecm', 'status', check=False).stdout and time.time() < deadline:
            time.sleep(0.5)
        assert 'Quorate:          Yes' in ex('pve1', 'pvecm', 'status').stdout
    finally:
        sh(LABCTL + ['--topology', str(path), 'down'], check=False)
