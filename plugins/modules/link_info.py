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
  - With O(modules) (the default) it also reads the cable module in each port with C(ethtool -m IFACE) (vendor,
    part number, type, compliance codes, length), and reports the other ports of the same cards in RV(other_ports),
    since a cable plugged into the card's other port looks like a dead link otherwise.
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
  modules:
    description:
      - Read the module (DAC, AOC, optical transceiver, QSFP-to-SFP adapter) in each port with C(ethtool -m IFACE),
        one call per port, and the carrier and module of the other ports of the same cards (RV(other_ports)).
      - A port without a module, or whose module cannot be read, is not a failure. Its RV(interfaces.module) is
        then C(kind=none) with the reason.
      - V(false) runs no C(ethtool -m) and returns no RV(interfaces.module) and no RV(other_ports) modules.
    type: bool
    default: true
    version_added: 0.4.0
notes:
  - The speed is V(null) when there is no link; the kernel's "unknown" values (-1, 65535) are never returned.
  - An SFP module in a QSFP port (a port whose link modes include 40 or 56 GbE, or that reports none) is taken
    for a QSFP-to-SFP adapter (QSA) holding it, RV(interfaces.module.kind=qsa).
  - On kernel 6.1's mlx4_en, C(ethtool -m) of a module with paged memory (an SR4 optic with thresholds) fails with
    C(Invalid argument); the module is then C(kind=none), C(reason=unreadable), C(present=true).
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
      card_ports: [ens1, ens1d1]
      module:
        kind: dac
        present: true
        vendor: Mellanox
        part_number: MC2207130-001
        summary: Mellanox MC2207130-001 (DAC, 1 m)
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
    card_ports:
      description: The network interfaces of the same PCI device (C(/sys/class/net/IFACE/device/net/)), in port order.
      type: list
      elements: str
      version_added: 0.4.0
    module:
      description:
        - The module in the port, from C(ethtool -m IFACE); absent when O(modules=false).
        - Without a module, or when it cannot be read, only C(kind=none), C(present), C(reason) and C(message).
      type: dict
      version_added: 0.4.0
      contains:
        kind:
          description:
            - V(dac) (direct attach copper), V(aoc) (active optical cable), V(optical) (a transceiver with fibre),
              V(qsa) (a QSFP-to-SFP adapter with an SFP/SFP+ module in it), V(unknown), or V(none) (no module read).
          type: str
        present:
          description: V(true) when a module is in the cage, V(false) when there is none, null when it cannot be told.
          type: bool
        reason:
          description:
            - Why there is no module to show (only with C(kind=none)). V(no_module) (the driver answers
              C(Input/output error), an empty cage), V(unreadable) (C(Invalid argument), a module ethtool cannot
              decode through this driver), V(unsupported), V(no_interface), V(unknown).
          type: str
        message:
          description: The line ethtool printed (only with C(kind=none)).
          type: str
        identifier:
          description: Form factor as ethtool names it (C(QSFP+), C(QSFP28), C(SFP)).
          type: str
        connector:
          description: Connector (C(No separable connector), C(MPO Parallel Optic), C(LC), C(Copper pigtail)).
          type: str
        transceiver_types:
          description: The C(Transceiver type) lines as printed.
          type: list
          elements: str
        compliance:
          description: The standards of the compliance codes (C(40GBASE-CR4), C(40GBASE-SR4), C(10GBASE-SR)).
          type: list
          elements: str
        max_speed_mbps:
          description: The fastest Ethernet speed among the compliance codes, null when none names one.
          type: int
        br_nominal_mbps:
          description: Nominal bit rate per lane (10300 for 10/40 GbE, 14100 for FDR / 56 GbE cables).
          type: int
        lengths:
          description: Supported lengths in metres by medium (C(cable) for a DAC/AOC assembly, C(om3), C(om2), C(smf)...).
          type: dict
        length:
          description: The length in words (C(1 m), C(OM3 100 m)).
          type: str
        vendor:
          description: Vendor name.
          type: str
        vendor_oui:
          description: Vendor OUI (C(00:02:c9) is Mellanox's).
          type: str
        part_number:
          description: Vendor part number.
          type: str
        revision:
          description: Vendor revision.
          type: str
        serial:
          description: Vendor serial number.
          type: str
        type:
          description: The module's type in words.
          type: str
        summary:
          description: Vendor, part number, kind and length in one line, for reports.
          type: str
other_ports:
  description:
    - The other ports of the cards of RV(interfaces) (not asked for), so that a cable plugged into the wrong port of a
      card can be told from a dead link.
  returned: success
  type: dict
  version_added: 0.4.0
  sample:
    ens1d1: {carrier: true, admin_up: true, operstate: up, module: {kind: dac, present: true, summary: Mellanox MC2207130-001 (DAC, 1 m)}}
  contains:
    carrier:
      description: Whether the port has a link.
      type: bool
    admin_up:
      description: Whether the port is administratively up (a port that is down has no carrier, whatever is plugged in).
      type: bool
    operstate:
      description: Operational state.
      type: str
    module:
      description: As RV(interfaces.module); absent when O(modules=false).
      type: dict
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

# An interface name as this module takes it: up to 15 characters, no '/', no whitespace, not starting with '-' (it
# would read as an option of ethtool or ping). \Z, not $: '$' also matches before a trailing newline ('ens1\n').
IFNAME_RE = re.compile(r'^[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,14}\Z')
SYSFS_NET = '/sys/class/net'

# The one place where this module's ethtool argv is spelled: the options of each read, then the interface.
ETHTOOL_JOBS = {
    'settings': [],
    'driver': ['-i'],
    'module': ['-m'],
}


def ethtool_argv(job, name):
    """['ethtool', <options of job>, name] (see ETHTOOL_JOBS)."""
    return ['ethtool'] + ETHTOOL_JOBS[job] + [name]


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


def card_ports(sysfs_net, name):
    """The interfaces of the PCI device of ``name`` (its device/net/ folder), in port order (dev_port), names only."""
    netdir = os.path.join(sysfs_net, name, 'device', 'net')
    try:
        names = [n for n in os.listdir(netdir) if IFNAME_RE.match(n) and n not in ('.', '..')]
    except OSError:
        return []

    def order(port):
        dev_port = read_sysfs(os.path.join(sysfs_net, port, 'dev_port')) or ''
        return (int(dev_port) if dev_port.isdigit() else 99, port)
    return sorted(names, key=order)


def cage_of(link_modes):
    """'sfp' for a port whose link modes stop at 10 GbE (an SFP+ card), else 'qsfp' (also when none are reported)."""
    speeds = [int(m.split('base')[0]) for m in link_modes or [] if m.split('base')[0].isdigit()]
    return 'sfp' if speeds and max(speeds) < 40000 else 'qsfp'


def read_module(runner, name, cage):
    """parse_ethtool.module_info of ``ethtool -m name``: never fails the module."""
    res = runner.run(ethtool_argv('module', name))
    return parse_ethtool.module_info(res.stdout, res.output, res.rc, cage)


def read_interface(module, runner, name):
    base = os.path.join(SYSFS_NET, name)
    settings = runner.run(ethtool_argv('settings', name))
    try:
        link = parse_ethtool.parse_settings(settings.stdout)
    except ParseError:
        error = parse_ethtool.classify_error(settings.output, settings.rc)
        refuse(module, runner, 'ethtool cannot read %s (%s); check the interface name.' % (name, error['message']),
               error['reason'] if error['reason'] != 'unknown' else 'tool_failed', result=settings, interface=name)
    info = runner.run(ethtool_argv('driver', name))
    try:
        driver = parse_ethtool.parse_driver_info(info.stdout)
    except ParseError:
        driver = {}
    carrier = read_sysfs(os.path.join(base, 'carrier'))
    has_carrier = carrier == '1' if carrier is not None else bool(link.get('link_detected'))
    result = {
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
        'card_ports': card_ports(SYSFS_NET, name),
    }
    if module.params['modules']:
        result['module'] = read_module(runner, name, cage_of(link['supported_link_modes']))
    return result


def read_other_ports(module, runner, interfaces):
    """Carrier, admin state and module of the card ports of ``interfaces`` that were not asked for."""
    others = {}
    for name in sorted(interfaces):
        cage = cage_of(interfaces[name]['supported_link_modes'])
        for port in interfaces[name]['card_ports']:
            if port in interfaces or port in others:
                continue
            carrier = read_sysfs(os.path.join(SYSFS_NET, port, 'carrier'))
            others[port] = {'carrier': carrier == '1', 'admin_up': admin_up(port),
                            'operstate': read_sysfs(os.path.join(SYSFS_NET, port, 'operstate'))}
            if module.params['modules']:
                others[port]['module'] = read_module(runner, port, cage)
    return others


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
        # ping -I also takes an address (then it is the source address, not the port): only an interface name here.
        if not IFNAME_RE.match(peer['source']) or peer['source'] in ('.', '..') or is_ip(peer['source']):
            bad.append('%r is not an interface name' % peer['source'])
    return ('Cannot ping: %s.' % '; '.join(bad)) if bad else None


def main():
    module = AnsibleModule(argument_spec=dict(
        interfaces=dict(type='list', elements='str'),
        wait_timeout=dict(type='int', default=0),
        ping=dict(type='list', elements='dict', default=[], options=dict(
            source=dict(type='str', required=True), address=dict(type='str', required=True))),
        ping_count=dict(type='int', default=3),
        modules=dict(type='bool', default=True),
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
        refuse(module, runner, 'Not an interface name: %s (up to 15 letters, digits, ".", "_", "-", ":", "@"; no "/", '
               'not starting with "-").'
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
    others = read_other_ports(module, runner, interfaces)
    module.exit_json(changed=False, waited_s=waited, interfaces=interfaces, other_ports=others,
                     ping=ping_peers(runner, peers, module.params['ping_count']))


if __name__ == '__main__':
    main()
