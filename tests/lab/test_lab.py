# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in lab's acceptance, inside its podman hosts with the real tools (issue: the built-in lab).

One lab for the module (labctl up), removed at the end whatever happens (labctl down), and checked to
leave no container, namespace, port or relay behind. Skipped when not root or podman is missing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil
import sys
import time

import pytest

from labkit.shell import shell

HERE = os.path.dirname(os.path.abspath(__file__))
LABCTL = [sys.executable, os.path.join(HERE, 'labctl.py')]
BDF = '0000:03:00.0'
FCBT = '/opt/cxlab/fcbt.bin'
ENV = dict(os.environ, LC_ALL='C.UTF-8', ANSIBLE_CONFIG=os.path.join(os.path.dirname(os.path.dirname(HERE)), 'ansible.cfg'))

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('podman') or not shutil.which('debootstrap'),
                                reason='the lab needs root, podman and debootstrap (tests/lab/apt-packages.txt)')


sh = shell(base_env=ENV)


def ex(host, *argv, **kw):
    return sh(['podman', 'exec', 'cxlab-%s' % host] + list(argv), **kw)


def field(text, label):
    for line in text.splitlines():
        if line.startswith(label + ':'):
            return line.split(':', 1)[1].strip()
    return None


def leftovers():
    ps = sh(['podman', 'ps', '-a', '--filter', 'label=cxlab=1', '--format', '{{.Names}}'], check=False).stdout.split()
    ns = [n for n in sh(['ip', 'netns', 'list'], check=False).stdout.split() if n.startswith('cxlab-')]
    links = [line for line in sh(['ip', '-o', 'link'], check=False).stdout.splitlines() if 'cxm-' in line or 'cxlab0' in line]
    relays = [p for p in os.listdir('/proc') if p.isdigit() and b'relay.py' in _cmdline(p)]
    mirrors = [p for p in os.listdir('/proc') if p.isdigit() and b'cxlab-mirror' in _cmdline(p).split(b'\0')]
    with open('/proc/self/mounts') as handle:
        mounts = [line.split()[1] for line in handle if line.split()[1].startswith('/run/cxlab-netsys/')]
    return ps + ns + links + relays + mirrors + mounts


def _cmdline(pid):
    try:
        with open('/proc/%s/cmdline' % pid, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return b''


@pytest.fixture(scope='module')
def lab():
    try:
        sh(LABCTL + ['up'], timeout=1800)
        # The target image, built by the lab on the controller, copied into pve1 for the tool-level checks.
        inv = os.path.join(os.path.dirname(os.path.dirname(HERE)), '.cache', 'lab', 'inventory.yml')
        import yaml  # pylint: disable=import-outside-toplevel
        with open(inv) as handle:
            image = yaml.safe_load(handle)['all']['vars']['connectx_firmware_image']
        sh(['podman', 'cp', image, 'cxlab-pve1:%s' % FCBT])
        # The lab hosts are fresh nodes: the tool-level checks here install the tools from the lab mirror, by hand on a
        # Proxmox VE 8 node; a Proxmox VE 9 node (Debian 13, no mstflint that handles ConnectX-3) gets Debian 12's from
        # bookworm the one way that works there, the tools role.
        with open(inv) as handle:
            hostvars = dict(kv for group in yaml.safe_load(handle)['all']['children']['connectx_hosts']['children'].values()
                            for kv in group['hosts'].items())
        for host in ('pve1', 'pve2', 'pve3'):
            if hostvars[host].get('cxlab_os') == 'pve9':
                sh([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inv,
                    os.path.join(HERE, 'playbooks', 'tools.yml'), '--limit', host])
                ex(host, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'iperf3')
                continue
            ex(host, 'apt-get', 'update', '-q')
            ex(host, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'mstflint=4.21.0+1-1', 'iperf3')
        yield image
    finally:
        sh(LABCTL + ['down'], check=False)
        assert leftovers() == [], 'the lab left things behind'


def test_query_burn_running_firmware_and_reboot(lab):
    q = ex('pve1', 'mstflint', '-d', BDF, 'q').stdout
    assert (field(q, 'PSID'), field(q, 'FW Version')) == ('MT_1090110018', '2.40.5030')
    refused = ex('pve1', 'mstflint', '-d', BDF, '-i', FCBT, '-y', 'burn', check=False)
    assert refused.returncode != 0
    assert ('-E- PSID mismatch. The PSID on flash (MT_1090110018) differs from the PSID in the given image '
            '(MT_1090120019).') in refused.stdout
    ex('pve1', 'mstflint', '-d', BDF, '-i', FCBT, '-allow_psid_change', '-y', 'burn')
    q = ex('pve1', 'mstflint', '-d', BDF, 'q').stdout
    assert (field(q, 'PSID'), field(q, 'FW Version'), field(q, 'FW Version(Running)')) == ('MT_1090120019', '2.42.5000', '2.40.5030')
    sh(LABCTL + ['reboot', 'pve1'])
    q = ex('pve1', 'mstflint', '-d', BDF, 'q').stdout
    assert (field(q, 'FW Version'), field(q, 'FW Version(Running)')) == ('2.42.5000', None)
    assert field(ex('pve1', 'ethtool', '-i', 'ens1').stdout, 'firmware-version') == '2.42.5000'


def test_cx3pro_image_refused_and_ri_roundtrip(lab):
    ex('pve2', 'python3', '/opt/cxlab/firmware/build_image.py', '--preset', 'HP-544PFLR', '-o', '/tmp/pro.bin')
    res = ex('pve2', 'mstflint', '-d', BDF, '-i', '/tmp/pro.bin', '-allow_psid_change', '-y', 'burn', check=False)
    assert res.returncode != 0 and '-E-' in res.stdout
    assert field(ex('pve2', 'mstflint', '-d', BDF, 'q').stdout, 'PSID') == 'MT_1090110018'
    ex('pve2', 'mstflint', '-d', BDF, 'ri', '/tmp/ri.bin')
    ex('pve2', 'mstflint', '-i', '/tmp/ri.bin', 'verify')
    show = json.loads(ex('pve2', 'python3', '/opt/cxlab/emulator/cardctl.py', '--root', '/var/lib/fakemlx', 'show').stdout)[BDF]
    image = ex('pve2', 'sha256sum', '/tmp/ri.bin').stdout.split()[0]
    start = show['flash_image_start']
    size = int(ex('pve2', 'stat', '-c', '%s', '/tmp/ri.bin').stdout)
    flash = ex('pve2', 'python3', '-c', 'import hashlib,sys; d=open("/var/lib/fakemlx/cards/%s/flash.bin","rb").read(); '
               'print(hashlib.sha256(d[%d:%d]).hexdigest())' % (BDF, start, start + size)).stdout.strip()
    assert image == flash


def test_mstconfig_and_mstvpd(lab):
    ex('pve3', 'mstconfig', '-d', BDF, '-y', 'set', 'LINK_TYPE_P2=2')
    assert 'ETH(2)' in [line.split()[-1] for line in ex('pve3', 'mstconfig', '-d', BDF, 'q').stdout.splitlines()
                        if 'LINK_TYPE_P2' in line]
    vpd = ex('pve3', 'mstvpd', BDF).stdout
    assert all(field(vpd, key) for key in ('PN', 'EC', 'SN', 'V0'))
    assert field(vpd, 'PN') == 'MCX354A-FCBT'


def test_lspci_and_sysfs_show_the_x4_slot(lab):
    lnk = ex('pve2', 'lspci', '-vv', '-s', '03:00.0').stdout
    assert 'LnkCap:' in lnk and 'Width x8' in lnk and 'Width x4' in lnk
    assert ex('pve2', 'cat', '/sys/bus/pci/devices/%s/current_link_width' % BDF).stdout.strip() == '4'


def wait_link(host, dev, timeout=15):
    """A cable trains for the lab's link delay (CXLAB_LINK_DELAY, 3 s) after both ports are up."""
    deadline = time.time() + timeout
    while 'Link detected: yes' not in ex(host, 'ethtool', dev).stdout and time.time() < deadline:
        time.sleep(0.2)


def test_cable_carrier_ping_iperf3_and_unplug(lab):
    for host, addr in (('pve1', '198.18.1.1/30'), ('pve2', '198.18.1.2/30')):
        ex(host, 'ip', 'addr', 'replace', addr, 'dev', 'ens1')
        ex(host, 'ip', 'link', 'set', 'ens1', 'up')
    ex('pve1', 'ip', 'link', 'set', 'ens1d1', 'up')
    ex('pve3', 'ip', 'link', 'set', 'ens1', 'up')
    wait_link('pve1', 'ens1')
    wait_link('pve1', 'ens1d1')
    settings = ex('pve1', 'ethtool', 'ens1').stdout
    assert 'Speed: 40000Mb/s' in settings and 'Link detected: yes' in settings
    assert 'Speed: 56000Mb/s' in ex('pve1', 'ethtool', 'ens1d1').stdout
    ex('pve1', 'ping', '-c', '2', '-W', '2', '198.18.1.2')
    ex('pve2', 'iperf3', '--server', '--one-off', '--daemon')
    res = ex('pve1', 'iperf3', '--client', '198.18.1.2', '--time', '2', '--json')
    assert json.loads(res.stdout)['end']['sum_received']['bits_per_second'] > 1e8
    sh(LABCTL + ['unplug', 'pve1-pve2'])
    assert 'Link detected: no' in ex('pve2', 'ethtool', 'ens1').stdout
    sh(LABCTL + ['plug', 'pve1-pve2'])
    wait_link('pve2', 'ens1')
    assert 'Link detected: yes' in ex('pve2', 'ethtool', 'ens1').stdout


def test_modules_state_and_bad_topology(lab, tmp_path):
    assert 'mlx4_en' in ex('ws1', 'lsmod').stdout
    bad = tmp_path / 'bad.yml'
    bad.write_text('target_image: MCX354A-FCBT\nhosts:\n  h1:\n    group: proxmox\n    management: 198.19.0.99\n'
                   '    cards: [{bdf: "0000:03:00.0", preset: NOPE, slot_speed: 8, slot_width: 8}]\n')
    res = sh(LABCTL + ['--topology', str(bad), 'status'], check=False)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == ["lab: error: topology: hosts.h1.cards[0].preset: unknown preset/PSID 'NOPE' "
                                               "(known: %s)" % res.stderr.split('(known: ')[1].split(')')[0]]
