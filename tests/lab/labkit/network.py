# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network: the bridge cxlab0, each host's named network namespace with mgmt0 and a TAP per card port, and
the writable sysfs of its network devices."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile

from labkit.common import BRIDGE, PREFIX, LabError, run
from labkit.topology import management_net


def netns(host):
    return '%s-%s' % (PREFIX, host)


def in_ns(host, *argv):
    return run(['ip', 'netns', 'exec', netns(host)] + list(argv))


def ensure_bridge(topo):
    net = management_net(topo)
    if run(['ip', 'link', 'show', BRIDGE], check=False).returncode != 0:
        run(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'])
        run(['ip', 'addr', 'add', '%s/%d' % (next(net.hosts()), net.prefixlen), 'dev', BRIDGE])
    run(['ip', 'link', 'set', BRIDGE, 'up'])
    return net


# Root-only, outside the checkout: what is mounted here is a piece of the machine's sysfs.
NETSYS = '/run/%s-netsys' % PREFIX


def netsys_dir(name):
    return os.path.join(NETSYS, name)


def netsys_mounts():
    """The lab's network-device sysfs mounts (netsys_mount) on this machine."""
    with open('/proc/self/mounts') as handle:
        return [line.split()[1] for line in handle if line.split()[1].startswith(NETSYS + os.sep)]


def netsys_mount(name, fresh=False):
    """The network devices of the host's namespace, writable, for its container's /sys/devices/virtual/net (a real
    node writes an interface's MTU there; the container's own /sys is read-only). A sysfs shows the network devices
    of the namespace of whoever mounts it: one is mounted from inside the namespace at a temporary place, only its
    devices/virtual/net is kept (a bind mount) and the rest is unmounted at once, so nothing else of the machine's
    sysfs (PCI devices, ...) stays mounted. ``fresh``: the namespace was just created, a mount of an older one goes."""
    path = netsys_dir(name)
    if path in netsys_mounts():
        if not fresh:
            return
        run(['umount', '-l', path])
    os.makedirs(NETSYS, mode=0o700, exist_ok=True)
    os.chmod(NETSYS, 0o700)
    os.makedirs(path, exist_ok=True)
    whole = tempfile.mkdtemp(dir=NETSYS, prefix='.sysfs-')
    try:
        run(['nsenter', '--net=/run/netns/%s' % netns(name), 'mount', '-t', 'sysfs', 'sysfs', whole])
        try:
            run(['mount', '--bind', os.path.join(whole, 'devices', 'virtual', 'net'), path])
        finally:
            run(['umount', whole])
    finally:
        os.rmdir(whole)


def netsys_unmount():
    for path in sorted(netsys_mounts(), reverse=True):
        run(['umount', '-l', path], check=False)
    left = netsys_mounts()
    if left:
        raise LabError('could not unmount %s' % ', '.join(left))
    if os.path.isdir(NETSYS):
        for entry in os.listdir(NETSYS):
            os.rmdir(os.path.join(NETSYS, entry))
        os.rmdir(NETSYS)


def ensure_netns(topo, name, host, net, speeds):
    ns = netns(name)
    created = ns not in run(['ip', 'netns', 'list']).stdout.split()
    if created:
        run(['ip', 'netns', 'add', ns])
    netsys_mount(name, fresh=created)
    in_ns(name, 'ip', 'link', 'set', 'lo', 'up')
    veth = 'cxm-%s' % name
    if run(['ip', 'link', 'show', veth], check=False).returncode != 0:
        run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', ns])
        run(['ip', 'link', 'set', veth, 'master', BRIDGE, 'up'])
        # A Proxmox VE node's management address is on its bridge vmbr0, which ifupdown2 makes at each boot
        # (management_interfaces); another host has it on the port itself.
        if host.get('group') != 'proxmox':
            in_ns(name, 'ip', 'addr', 'add', '%s/%d' % (host['management'], net.prefixlen), 'dev', 'mgmt0')
    in_ns(name, 'ip', 'link', 'set', 'mgmt0', 'up')
    for card in host['cards']:
        for dev in card.get('netdevs') or []:
            if run(['ip', '-n', ns, 'link', 'show', dev], check=False).returncode != 0:
                run(['ip', '-n', ns, 'tuntap', 'add', 'dev', dev, 'mode', 'tap'])
            speed = speeds.get('%s:%s' % (name, dev), 40000)
            in_ns(name, 'ethtool', '-s', dev, 'speed', str(speed), 'duplex', 'full', 'autoneg', 'off')
