#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: link_info
short_description: Read the link state of ConnectX ports (speed, duplex, carrier, driver, firmware)
description:
  - Runs C(ethtool IFACE) and C(ethtool -i IFACE) for each interface and reads C(/sys/class/net/IFACE/)
    (MTU, MAC, carrier, operstate) and the mlx4 port type of the card.
  - Without O(interfaces), every network interface whose C(device) is a PCI function of vendor
    C(0x15b3) (Mellanox/NVIDIA) is read.
  - Read-only.
version_added: 0.1.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.no_diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  interfaces:
    description:
      - Interfaces to read, for example V([ens1, ens1d1]).
      - An interface that does not exist makes the module fail with C(reason=no_interface).
    type: list
    elements: str
  wait_timeout:
    description:
      - Seconds to wait, at most, for carrier on every interface that is administratively up before
        reading them. A QSFP+ link trains for a few seconds after C(ifreload), a reboot or a cable
        plugged in; reading at once would report it down.
      - Interfaces that are administratively down are not waited for (they cannot get carrier).
      - V(0) reads at once.
    type: int
    default: 0
    version_added: 0.2.0
  ping:
    description:
      - Peers to ping once the carrier wait is over, each from one local interface
        (C(ping -c COUNT -W 2 -I SOURCE ADDRESS)), in the same call as the read.
      - The result is in RV(ping), in the same order.
    type: list
    elements: dict
    default: []
    version_added: 0.3.0
    suboptions:
      source:
        description: Local interface the ping leaves from (C(-I)).
        type: str
        required: true
      address:
        description: IPv4 or IPv6 address of the peer.
        type: str
        required: true
  ping_count:
    description: Echo requests per peer (C(ping -c)).
    type: int
    default: 3
    version_added: 0.3.0
notes:
  - The speed is V(null) when there is no link; the kernel's "unknown" values (-1, 65535) are never returned.
requirements:
  - ethtool
'''

EXAMPLES = r'''
- name: Read every ConnectX port
  homelab.connectx.link_info:
  register: links

- name: Assert ens1 runs at 40 GbE
  ansible.builtin.assert:
    that:
      - links.interfaces.ens1.speed_mbps == 40000
      - links.interfaces.ens1.carrier
'''

RETURN = r'''
waited_s:
  description: Seconds spent waiting for carrier (see O(wait_timeout)).
  returned: success
  type: float
  sample: 3.2
  version_added: 0.2.0
interfaces:
  description: One entry per interface.
  returned: success
  type: dict
  sample:
    ens1:
      speed_mbps: 40000
      duplex: full
      carrier: true
      autoneg: false
      driver: mlx4_en
      driver_version: "4.0-0"
      firmware_version: 2.42.5000
      bus_info: "0000:03:00.0"
      supported_link_modes: [40000baseCR4/Full]
      mtu: 9000
      mac: "00:02:c9:a0:b0:c1"
      port_type: eth
      operstate: up
  contains:
    speed_mbps:
      description: Negotiated speed in Mb/s, null without a link.
      type: int
    duplex:
      description: V(full), V(half) or null.
      type: str
    carrier:
      description: Whether the port has a link (C(/sys/class/net/IFACE/carrier)).
      type: bool
    autoneg:
      description: Whether auto-negotiation is on.
      type: bool
    driver:
      description: Kernel driver (C(ethtool -i)).
      type: str
    driver_version:
      description: Driver version.
      type: str
    firmware_version:
      description: Running firmware of the card as the driver reports it.
      type: str
    bus_info:
      description: PCI address of the card.
      type: str
    supported_link_modes:
      description: Link modes the port supports.
      type: list
      elements: str
    mtu:
      description: MTU.
      type: int
    mac:
      description: MAC address.
      type: str
    port_type:
      description: mlx4 port type (V(eth), V(ib), V(auto)) from the card's C(mlx4_portN) sysfs file, null when absent.
      type: str
    operstate:
      description: Operational state (C(up), C(down), ...).
      type: str
ping:
  description: One entry per O(ping) entry, in its order.
  returned: success
  type: list
  elements: dict
  version_added: 0.3.0
  sample:
    - {source: ens1, address: 198.18.12.2, rc: 0, transmitted: 3, received: 3}
  contains:
    source:
      description: The local interface.
      type: str
    address:
      description: The peer's address.
      type: str
    rc:
      description: Exit code of C(ping) (V(0) when at least one reply came back).
      type: int
    transmitted:
      description: Echo requests sent, from ping's summary line; null when it printed none.
      type: int
    received:
      description: Replies received, from ping's summary line; null when it printed none.
      type: int
reason:
  description: Machine-readable failure reason (V(no_interface), V(tool_missing), V(invalid_argument)).
  returned: failure
  type: str
'''

import os
import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import MELLANOX_VENDOR, read_sysfs, refuse
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.module_utils import parse_ethtool
from ansible_collections.homelab.connectx.plugins.module_utils.netstack import is_ip

IFNAME_RE = re.compile(r'^[A-Za-z0-9_.:@-]{1,15}$')
SYSFS_NET = '/sys/class/net'


def connectx_interfaces(sysfs_net):
    """Interfaces whose device is a Mellanox PCI function, sorted."""
    found = []
    try:
        names = os.listdir(sysfs_net)
    except OSError:
        return found
    for name in names:
        vendor = read_sysfs(os.path.join(sysfs_net, name, 'device', 'vendor')) or ''
        if vendor.lower() == MELLANOX_VENDOR:
            found.append(name)
    return sorted(found)


def port_type(sysfs_net, name, dev_port):
    """mlx4 exposes the port protocol as device/mlx4_port<N> (N = dev_port + 1)."""
    port = 1 + (int(dev_port) if (dev_port or '').isdigit() else 0)
    return read_sysfs(os.path.join(sysfs_net, name, 'device', 'mlx4_port%d' % port))


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def read_interface(module, runner, name):
    base = os.path.join(SYSFS_NET, name)
    settings = runner.run(['ethtool', name])
    try:
        link = parse_ethtool.parse_settings(settings.stdout)
    except ParseError:
        error = parse_ethtool.classify_error(settings.output, settings.rc)
        refuse(module, runner, 'ethtool cannot read %s (%s); check the interface name.' % (name, error['message']),
               error['reason'] if error['reason'] != 'unknown' else 'tool_failed', result=settings, interface=name)
    info = runner.run(['ethtool', '-i', name])
    try:
        driver = parse_ethtool.parse_driver_info(info.stdout)
    except ParseError:
        driver = {}
    carrier = read_sysfs(os.path.join(base, 'carrier'))
    has_carrier = carrier == '1' if carrier is not None else bool(link.get('link_detected'))
    return {
        'speed_mbps': link['speed_mbps'] if has_carrier else None,
        'duplex': link['duplex'] if has_carrier else None,
        'carrier': has_carrier,
        'autoneg': link['autoneg'],
        'driver': driver.get('driver'),
        'driver_version': driver.get('version'),
        'firmware_version': driver.get('firmware_version'),
        'bus_info': driver.get('bus_info'),
        'supported_link_modes': link['supported_link_modes'],
        'mtu': _int(read_sysfs(os.path.join(base, 'mtu'))),
        'mac': read_sysfs(os.path.join(base, 'address')),
        'port_type': port_type(SYSFS_NET, name, read_sysfs(os.path.join(base, 'dev_port'))),
        'operstate': read_sysfs(os.path.join(base, 'operstate')),
    }


IFF_UP = 0x1


def admin_up(name):
    flags = read_sysfs(os.path.join(SYSFS_NET, name, 'flags'))
    try:
        return bool(int(flags, 16) & IFF_UP)
    except (TypeError, ValueError):
        return False


def wait_for_carrier(names, timeout, poll=0.2):
    """Wait until every administratively up interface of ``names`` has carrier, at most ``timeout`` seconds."""
    start = time.time()
    while timeout > 0:
        pending = [n for n in names if admin_up(n) and read_sysfs(os.path.join(SYSFS_NET, n, 'carrier')) != '1']
        if not pending or time.time() - start >= timeout:
            break
        time.sleep(poll)
    return round(time.time() - start, 1) if timeout > 0 else 0.0


# iputils ping's summary: "3 packets transmitted, 3 received, 0% packet loss, time 2003ms"
PING_SUMMARY_RE = re.compile(r'^(\d+) packets transmitted, (\d+) (?:packets )?received', re.M)


def ping_peers(runner, peers, count):
    """Ping each ``{source, address}`` ``count`` times; read-only, also in check mode."""
    out = []
    for peer in peers:
        result = runner.run(['ping', '-c', str(count), '-W', '2', '-I', peer['source'], peer['address']])
        summary = PING_SUMMARY_RE.search(result.stdout or '')
        out.append({'source': peer['source'], 'address': peer['address'], 'rc': result.rc,
                    'transmitted': int(summary.group(1)) if summary else None,
                    'received': int(summary.group(2)) if summary else None})
    return out


def bad_peers(peers, count):
    """Refusal text for ping entries that are not an interface name and an IP address, or None."""
    if peers and count < 1:
        return 'ping_count must be 1 or more, got %d.' % count
    bad = []
    for peer in peers:
        if not is_ip(peer['address']):
            bad.append('%r is not an IP address' % peer['address'])
        if not IFNAME_RE.match(peer['source']) or peer['source'] in ('.', '..'):
            bad.append('%r is not an interface name' % peer['source'])
    return ('Cannot ping: %s.' % '; '.join(bad)) if bad else None


def main():
    module = AnsibleModule(argument_spec=dict(
        interfaces=dict(type='list', elements='str'),
        wait_timeout=dict(type='int', default=0),
        ping=dict(type='list', elements='dict', default=[], options=dict(
            source=dict(type='str', required=True), address=dict(type='str', required=True))),
        ping_count=dict(type='int', default=3),
    ), supports_check_mode=True)
    runner = CommandRunner(module)
    runner.find('ethtool')
    peers = module.params['ping']
    problem = bad_peers(peers, module.params['ping_count'])
    if problem:
        refuse(module, runner, problem, 'invalid_argument')
    if peers:
        runner.find('ping')
    names = module.params['interfaces']
    if names is None:
        names = connectx_interfaces(SYSFS_NET)
    # An interface name is a file name under /sys/class/net: no path (../../etc), at most 15 characters.
    bad = [n for n in names if not IFNAME_RE.match(n) or n in ('.', '..')]
    if bad:
        refuse(module, runner, 'Not an interface name: %s (up to 15 letters, digits, ".", "_", "-", ":", "@"; no "/").'
               % ', '.join(repr(n) for n in bad), 'invalid_argument', interfaces=bad)
    missing = [n for n in names if not os.path.exists(os.path.join(SYSFS_NET, n))]
    if missing:
        refuse(module, runner, 'No network interface named %s on this host; check connectx_interfaces / the link '
               'declaration (interfaces here: %s).' % (', '.join(missing), ', '.join(sorted(os.listdir(SYSFS_NET)))
                                                       if os.path.isdir(SYSFS_NET) else 'none'),
               'no_interface', interfaces=missing)
    if module.params['wait_timeout'] < 0:
        refuse(module, runner, 'wait_timeout must be 0 or more seconds, got %d.' % module.params['wait_timeout'], 'invalid_argument')
    waited = wait_for_carrier(names, module.params['wait_timeout'])
    interfaces = dict((n, read_interface(module, runner, n)) for n in names)
    module.exit_json(changed=False, waited_s=waited, interfaces=interfaces,
                     ping=ping_peers(runner, peers, module.params['ping_count']))


if __name__ == '__main__':
    main()
