# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which network interfaces carry the node's management connection: read from procfs and sysfs.

- ``/proc/net/route`` (the kernel's fib_route_seq_show: a header line, then tab-separated Iface,
  Destination, Gateway, Flags, RefCnt, Use, Metric, Mask, ... in hex) and ``/proc/net/ipv6_route``
  (destination, prefix length, source, prefix length, next hop, metric, refcount, use, flags, device):
  the interfaces of the default routes.
- ``/sys/class/net/IFACE/lower_*``: the devices under a bridge, bond or VLAN (the kernel links every
  upper device to its lower ones), followed down to the physical ports; ``brif/`` for a bridge too.
  ``upper_*``: the devices over one (net/core/dev.c, netdev_adjacent_sysfs_add, makes both links).
- ``ip -o addr show`` (iproute2, one line per address: ``N: IFNAME    inet|inet6 ADDRESS/PREFIX ...``):
  the interface that holds an address, e.g. the one the Ansible connection came in on
  (``SSH_CONNECTION``: client address, client port, server address, server port).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import os

RTF_UP = 0x0001
RTF_REJECT = 0x0200


def default_route_interfaces(route_text, ipv6_route_text):
    """Interfaces of the IPv4 and IPv6 default routes that are up and not unreachable/lo, in order, once each."""
    routes = []  # (iface, flags in hex) of each default route, IPv4 first
    for line in (route_text or '').splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[1] == '00000000' and fields[7] == '00000000':
            routes.append((fields[0], fields[3]))
    for line in (ipv6_route_text or '').splitlines():
        fields = line.split()
        if len(fields) == 10 and fields[0] == '0' * 32 and fields[1] == '00':
            routes.append((fields[9], fields[8]))
    out = []
    for iface, flags in routes:
        try:
            flags = int(flags, 16)
        except ValueError:
            continue
        if flags & RTF_UP and not flags & RTF_REJECT and iface != 'lo' and iface not in out:
            out.append(iface)
    return out


def _adjacent(sysfs_net, name, side, seen):
    """Every device on ``side`` ('lower' or 'upper') of ``name``, recursively (a bridge's brif/ counts as lower)."""
    base = os.path.join(sysfs_net, name)
    try:
        entries = os.listdir(base)
    except OSError:
        return set()
    direct = [e[len(side) + 1:] for e in entries if e.startswith(side + '_')]
    if side == 'lower':
        try:
            direct += os.listdir(os.path.join(base, 'brif'))
        except OSError:
            pass
    found = set()
    for other in direct:
        if other in seen or other == name:
            continue
        seen.add(other)
        found.add(other)
        found.update(_adjacent(sysfs_net, other, side, seen))
    return found


def lower_devices(sysfs_net, name):
    """Every device under ``name`` (bridge ports, bond slaves, the parent of a VLAN), recursively, sorted."""
    return sorted(_adjacent(sysfs_net, name, 'lower', set()))


def upper_devices(sysfs_net, name):
    """Every device over ``name`` (its bridge, bond, VLANs), recursively, sorted."""
    return sorted(_adjacent(sysfs_net, name, 'upper', set()))


def _per_interface(sysfs_net, devices):
    try:
        names = sorted(os.listdir(sysfs_net))
    except OSError:
        return {}
    out = {}
    for name in names:
        found = devices(sysfs_net, name)
        if found:
            out[name] = found
    return out


def stacks(sysfs_net):
    """``{iface: [lower devices]}`` for each interface that has any."""
    return _per_interface(sysfs_net, lower_devices)


def upper_stacks(sysfs_net):
    """``{iface: [devices over it]}`` for each interface that has any."""
    return _per_interface(sysfs_net, upper_devices)


IP_ADDR_ARGV = ['ip', '-o', 'addr', 'show']


def address_interfaces(ip_addr_text, addresses):
    """The interfaces of ``ip -o addr show`` that hold one of ``addresses`` (anything not an IP is left out), in
    the order of the output, once each."""
    wanted = set()
    for address in addresses or []:
        try:
            wanted.add(ipaddress.ip_address(str(address).strip().split('%', maxsplit=1)[0]))
        except ValueError:
            continue
    out = []
    for line in (ip_addr_text or '').splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[0].endswith(':') or fields[2] not in ('inet', 'inet6'):
            continue
        try:
            held = ipaddress.ip_interface(fields[3]).ip
        except ValueError:
            continue
        if held in wanted and fields[1] not in out:
            out.append(fields[1])
    return out


def ssh_server_address(environ):
    """The host's own address of the SSH session (the third field of ``SSH_CONNECTION``), or None."""
    fields = (environ.get('SSH_CONNECTION') or '').split()
    return fields[2] if len(fields) == 4 else None


def is_ip(text):
    """Whether text is an IPv4 or IPv6 address (the peer address of a link: link_info on the host, the link
    evaluation on the controller)."""
    try:
        ipaddress.ip_address(str(text))
    except ValueError:
        return False
    return True
