# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SSH into the lab: the login key, each host's boot directory (host key, authorized key, login user, the Proxmox
/etc/network/interfaces), the controller's known_hosts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import socket

from labkit.cards import host_dir
from labkit.common import STATE, run
from labkit.topology import management_net


def ssh_dir():
    return os.path.join(STATE, 'ssh')


def client_key():
    """The lab's login key pair (.cache/lab/ssh/id_ed25519): what a homelab's admin key is to its nodes."""
    key = os.path.join(ssh_dir(), 'id_ed25519')
    if not os.path.exists(key):
        os.makedirs(ssh_dir(), mode=0o700, exist_ok=True)
        run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'cxlab-admin', '-f', key])
    return key


def boot_dir(name):
    """What the host's init reads at boot (mounted at /opt/cxlab/boot): SSH host key, login, boot delay."""
    return os.path.join(host_dir(name), 'boot')


def management_gateway(net):
    """The default gateway of the Proxmox hosts: the management subnet's last address, which nothing answers, so
    that a node has a default route as a real one does and nothing leaves the lab by it."""
    return net[-2] if net.num_addresses > 2 else net[-1]


def management_interfaces(topo, host):
    """/etc/network/interfaces as the Proxmox VE 8 installer writes it (the port "manual", the address and the
    gateway on the bridge vmbr0 over it, the stanza directory sourced last); None for other hosts (the lab sets
    their address on mgmt0 and the file only names mgmt0 "manual")."""
    if host.get('group') != 'proxmox':
        return None
    net = management_net(topo)
    return ('auto lo\niface lo inet loopback\n\niface mgmt0 inet manual\n\nauto vmbr0\niface vmbr0 inet static\n'
            '\taddress %s/%d\n\tgateway %s\n\tbridge-ports mgmt0\n\tbridge-stp off\n\tbridge-fd 0\n\n'
            'source /etc/network/interfaces.d/*\n' % (host['management'], net.prefixlen, management_gateway(net)))


def ensure_ssh(topo):
    """Per host: its SSH host key, the authorized key and the login user (mounted at /opt/cxlab/boot);
    the controller's known_hosts for the lab (host key checking stays on)."""
    with open(client_key() + '.pub') as handle:
        authorized = handle.read()
    known = []
    for name, host in sorted(topo['hosts'].items()):
        d = boot_dir(name)
        os.makedirs(d, exist_ok=True)
        key = os.path.join(d, 'ssh_host_ed25519_key')
        if not os.path.exists(key):
            run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'root@%s' % name, '-f', key])
        with open(os.path.join(d, 'authorized_keys'), 'w') as handle:
            handle.write(authorized)
        with open(os.path.join(d, 'user'), 'w') as handle:
            handle.write(str(host.get('login', 'root')) + '\n')
        interfaces = management_interfaces(topo, host)
        path = os.path.join(d, 'interfaces')
        if interfaces is None:
            if os.path.exists(path):
                os.unlink(path)
        else:
            with open(path, 'w') as handle:
                handle.write(interfaces)
        with open(key + '.pub') as handle:
            algo, blob = handle.read().split()[:2]
        known.append('%s %s %s\n' % (host['management'], algo, blob))
    with open(os.path.join(ssh_dir(), 'known_hosts'), 'w') as handle:
        handle.writelines(known)


def ssh_ready(address, timeout=1.0):
    try:
        with socket.create_connection((str(address), 22), timeout=timeout) as sock:
            return sock.recv(4).startswith(b'SSH-')
    except (OSError, socket.timeout):
        return False
