#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx_device_info
short_description: Discover Mellanox/NVIDIA ConnectX cards and their firmware
description:
  - Enumerates PCI devices with vendor C(0x15b3) in sysfs (C(/sys/bus/pci/devices)), then queries each
    card's flash with C(mstflint -d BDF q) (or MFT C(flint -d BDF q)) and its VPD with C(mstvpd)
    (or MFT C(mlxvpd)).
  - Returns PSID, firmware versions, MACs/GUIDs, network interfaces and the PCIe link of each card, and
    which tool is installed and whether it can still handle ConnectX-3 cards.
  - Also returns the node's operating system from C(/etc/os-release) and which interfaces carry its default routes
    (with the devices under them), so that the roles need no fact gathering to tell a Debian or Proxmox VE node
    from another system or to keep off its management connection.
  - Read-only.
version_added: 0.1.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.no_diff
  - homelab.connectx.tool
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  device:
    description:
      - PCI address of one card (C(0000:03:00.0) or C(03:00.0)). Only this card is returned.
      - When the address is not a Mellanox device the module fails with C(reason=no_device).
    type: str
  packages:
    description:
      - Debian packages whose state to return in RV(packages) (the tools role's C(mstflint), C(pciutils),
        C(ethtool)), read with one C(dpkg-query) call together with the tool's own package.
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  connection_addresses:
    description:
      - The addresses the controller reaches this host at (the tools role passes C(ansible_host)); the interfaces
        that hold them are returned in RV(network.connection), together with the one that holds the SSH session's
        own address (C(SSH_CONNECTION), when the module sees it). Names that are not IP addresses are left out.
    type: list
    elements: str
    default: []
    version_added: 0.3.0
notes:
  - Tools are run with an argument list and C(LC_ALL=C); nothing goes through a shell.
  - A card whose flash cannot be queried is still listed, with RV(devices[].error) set.
  - A missing tool is not a failure; the cards are listed from sysfs and RV(tool.installed) is V(false).
'''

EXAMPLES = r'''
- name: Find all ConnectX cards
  homelab.connectx.mlx_device_info:
  register: mlx

- name: One card only
  homelab.connectx.mlx_device_info:
    device: "0000:03:00.0"
    tool: mstflint
  register: card
'''

RETURN = r'''
devices:
  description: One entry per ConnectX card, sorted by PCI address.
  returned: success
  type: list
  elements: dict
  contains:
    pci_address:
      description: Full PCI address.
      type: str
      sample: "0000:03:00.0"
    pci_device_id:
      description: PCI device ID, four hex digits.
      type: str
      sample: "1003"
    family:
      description: Card family (for example C(connectx3), C(connectx3pro)), null when unknown.
      type: str
      sample: connectx3
    psid:
      description: PSID of the firmware on the flash.
      type: str
      sample: MT_1090110018
    part_number:
      description: Part number from the VPD (C(PN)), null when the VPD cannot be read.
      type: str
      sample: MCX354A-QCBT
    description:
      description: Description printed by the flash query (labels of the GUID/MAC columns).
      type: str
    fw_version:
      description: Firmware version on the flash.
      type: str
      sample: 2.40.5030
    fw_version_running:
      description: Running firmware version, only present when it differs from the flash (a burn is pending a reboot).
      type: str
      returned: when it differs from fw_version
    rom_version:
      description: Expansion ROM version, null when none.
      type: str
      sample: 3.4.746
    base_mac:
      description: First MAC address of the card.
      type: str
    base_guid:
      description: First GUID of the card.
      type: str
    netdevs:
      description: Network interfaces of the card (from C(/sys/bus/pci/devices/BDF/net/)).
      type: list
      elements: str
      sample: [ens1, ens1d1]
    port_types:
      description: Port types from the mlx4 driver (C(mlx4_portN) in sysfs); empty when the driver does not expose them.
      type: list
      elements: str
      sample: [eth, eth]
    pcie:
      description: PCIe link of the card.
      type: dict
      contains:
        speed_gts:
          description: Current link speed in GT/s.
          type: float
        width:
          description: Current link width.
          type: int
        max_speed_gts:
          description: Maximum speed of the card in GT/s.
          type: float
        max_width:
          description: Maximum width of the card.
          type: int
        ceiling_gbps:
          description: Usable bandwidth of the current link in Gbit/s.
          type: float
        degraded:
          description: Whether the link runs below the card's maximum.
          type: bool
        warnings:
          description: Human-readable warnings about the link.
          type: list
          elements: str
    mst_device:
      description: MFT device of the card from C(mst status -v) (for example C(/dev/mst/mt4099_pci_cr0)); null with mstflint or when mst is not started.
      type: str
    error:
      description:
        - Present when the flash query failed; C(reason) and C(message) from the tool output.
        - C(reason=tool_missing) when the tool is not installed (only sysfs facts are known then).
      type: dict
      returned: when the query of this card failed
tool:
  description: Installed tool flavour, its version and whether it supports ConnectX-3 cards.
  returned: success
  type: dict
  contains:
    name:
      description: V(mstflint) or V(mft).
      type: str
    version:
      description: Tool version.
      type: str
      sample: 4.21.0
    supports_connectx3:
      description:
        - Whether this tool version still supports ConnectX-3 cards - false for mstflint 4.26 and later (its mstconfig
          dropped ConnectX-3) and for NVIDIA MFT 4.33 and later (the last MFT that lists ConnectX-3/ConnectX-3 Pro is
          4.32); null when unknown or not installed.
      type: bool
    installed:
      description:
        - Whether the tool is installed. When it is not (a fresh node, in check mode before the tools role
          installed anything), the cards are listed from sysfs only, each with RV(devices[].error) C(reason=tool_missing).
      type: bool
    package:
      description: The package that provides the tool (when it is not installed, a hint where to get it).
      type: str
    package_version:
      description: The installed version of RV(tool.package) (from dpkg), null when dpkg does not know it.
      type: str
      returned: when the tool is installed
      sample: 4.21.0+1-1
    held:
      description:
        - Whether RV(tool.package) is on hold (C(apt-mark hold)), so that C(apt upgrade) keeps this version; null when
          dpkg does not know the package.
      type: bool
      returned: when the tool is installed
os:
  description: The node's operating system, from C(/etc/os-release) (os-release(5)); every field null without it.
  returned: success
  type: dict
  version_added: 0.3.0
  sample: {id: debian, id_like: null, version_id: '12', version_codename: bookworm, pretty_name: Debian GNU/Linux 12 (bookworm)}
  contains:
    id:
      description: C(ID), for example V(debian), V(ubuntu), V(fedora).
      type: str
    id_like:
      description: C(ID_LIKE), the families it derives from, for example V(debian) on Ubuntu.
      type: str
    version_id:
      description: C(VERSION_ID), for example V(12).
      type: str
    version_codename:
      description: C(VERSION_CODENAME), for example V(bookworm) or V(trixie).
      type: str
    pretty_name:
      description: C(PRETTY_NAME).
      type: str
network:
  description:
    - The node's management path, read from C(/proc/net/route), C(/proc/net/ipv6_route), C(/sys/class/net) and
      C(ip -o addr show).
  returned: success
  type: dict
  version_added: 0.3.0
  sample: {default_route: [vmbr0], connection: [vmbr0], lower: {vmbr0: [eno1]}, upper: {eno1: [vmbr0]}}
  contains:
    default_route:
      description: The interfaces of the IPv4 and IPv6 default routes.
      type: list
      elements: str
    connection:
      description: The interfaces that hold O(connection_addresses) or the SSH session's own address.
      type: list
      elements: str
    upper:
      description: For each interface with devices over it (its bridge, bond, VLANs), those devices (C(upper_*) in sysfs).
      type: dict
    lower:
      description:
        - For each interface with devices under it (a bridge's ports, a bond's slaves, a VLAN's parent), those
          devices, followed down to the physical ports (C(lower_*) and C(brif/) in sysfs).
      type: dict
packages:
  description: The state of each of O(packages), from C(dpkg-query); every field null on a host without dpkg.
  returned: success
  type: dict
  version_added: 0.3.0
  sample:
    mstflint: {installed: true, version: 4.21.0+1-1, held: true}
    ethtool: {installed: false, version: null, held: null}
  contains:
    installed:
      description: Whether dpkg has the package installed.
      type: bool
    version:
      description: The installed version.
      type: str
    held:
      description: Whether the package is on hold (C(apt-mark hold)).
      type: bool
reason:
  description: Machine-readable refusal reason.
  returned: failure
  type: str
  sample: no_device
commands:
  description: Commands that ran, with rc, stdout and stderr.
  returned: failure
  type: list
  elements: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import (
    TOOL_OPTION, select_flavour, binary, refuse, normalize_bdf, read_sysfs, read_text, vpd_fields,
    tool_info, mellanox_devices, package_states, PACKAGES)
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.module_utils import netstack, parse_flint, parse_mst, pcie, psid as psid_utils, tools

SYSFS_PCI = '/sys/bus/pci/devices'
OS_RELEASE = '/etc/os-release'
PROC_NET_ROUTE = '/proc/net/route'
PROC_NET_IPV6_ROUTE = '/proc/net/ipv6_route'
SYSFS_NET = '/sys/class/net'


def network_info(runner, addresses):
    """The default routes' interfaces, the interfaces that hold the connection's addresses (``addresses`` and the
    SSH session's own), and the devices under and over each interface (module_utils.netstack)."""
    addresses = list(addresses) + [a for a in [netstack.ssh_server_address(os.environ)] if a]
    connection = []
    if any(netstack.is_ip(a) for a in addresses) and runner.has('ip'):
        res = runner.run(netstack.IP_ADDR_ARGV)
        if res.ok:
            connection = netstack.address_interfaces(res.stdout, addresses)
    return {'default_route': netstack.default_route_interfaces(read_text(PROC_NET_ROUTE), read_text(PROC_NET_IPV6_ROUTE)),
            'connection': connection, 'lower': netstack.stacks(SYSFS_NET), 'upper': netstack.upper_stacks(SYSFS_NET)}


OS_FIELDS = ('ID', 'ID_LIKE', 'VERSION_ID', 'VERSION_CODENAME', 'PRETTY_NAME')


def os_release(path):
    """The os-release(5) fields the roles read, lower-case keys; None for each one missing."""
    found = {}
    for line in (read_text(path) or '').splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and key in OS_FIELDS:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
                value = value[1:-1]
            found[key] = value
    return dict((k.lower(), found.get(k)) for k in OS_FIELDS)


def pcie_info(devdir):
    cur_speed = read_sysfs(os.path.join(devdir, 'current_link_speed'))
    max_speed = read_sysfs(os.path.join(devdir, 'max_link_speed'))
    cur_width = read_sysfs(os.path.join(devdir, 'current_link_width'))
    max_width = read_sysfs(os.path.join(devdir, 'max_link_width'))
    try:
        summary = pcie.link_summary(
            pcie.parse_sysfs_link_speed(cur_speed) if cur_speed else None,
            int(cur_width) if cur_width and cur_width.isdigit() else None,
            pcie.parse_sysfs_link_speed(max_speed) if max_speed else None,
            int(max_width) if max_width and max_width.isdigit() else None)
    except (ParseError, ValueError, TypeError) as exc:
        return {'speed_gts': None, 'width': None, 'max_speed_gts': None, 'max_width': None,
                'ceiling_gbps': None, 'degraded': None, 'warnings': ['PCIe link not readable: %s' % exc]}
    return summary


def card_info(runner, flavour, installed, bdf, devdir):
    """What sysfs says of the card, then (when the tool is installed) what its flash and VPD say."""
    device_id = (read_sysfs(os.path.join(devdir, 'device')) or '').lower()
    if device_id.startswith('0x'):
        device_id = device_id[2:]
    try:
        family = psid_utils.family_for_device_id(device_id)
    except (ParseError, ValueError, KeyError, TypeError):
        family = None
    netdir = os.path.join(devdir, 'net')
    netdevs = sorted(os.listdir(netdir)) if os.path.isdir(netdir) else []
    port_types = []
    for port in (1, 2):
        value = read_sysfs(os.path.join(devdir, 'mlx4_port%d' % port))
        if value:
            port_types.append(value)
    entry = dict(pci_address=bdf, pci_device_id=device_id, family=family, psid=None, part_number=None,
                 description=None, fw_version=None, rom_version=None, base_mac=None, base_guid=None,
                 netdevs=netdevs, port_types=port_types, pcie=pcie_info(devdir), mst_device=None)
    if not installed:
        return entry
    query = runner.run(tools.argv(flavour, 'query', device=bdf))
    info = None
    if query.ok:
        try:
            info = parse_flint.parse_query(query.stdout)
        except ParseError as exc:
            entry['error'] = {'reason': 'unknown', 'message': str(exc)}
    else:
        try:
            entry['error'] = dict(parse_flint.classify_error(query.output, query.rc))
        except ParseError:
            entry['error'] = {'reason': 'unknown', 'message': query.output.strip()}
    if info:
        for key in ('psid', 'fw_version', 'rom_version', 'base_mac', 'base_guid', 'description'):
            entry[key] = info.get(key)
        running = info.get('fw_version_running')
        if running and running != info.get('fw_version'):
            entry['fw_version_running'] = running
    vpd = runner.run(tools.argv(flavour, 'vpd', device=bdf))
    if vpd.ok:
        entry['part_number'] = vpd_fields(vpd.output).get('PN')
    return entry


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str'),
            tool=TOOL_OPTION,
            packages=dict(type='list', elements='str', default=[]),
            connection_addresses=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    runner = CommandRunner(module)
    flavour = select_flavour(runner, module.params['tool'])
    flint = binary(flavour, 'flint')
    # A fresh node has no card tools yet (check mode installs nothing): the cards are still listed from
    # sysfs, without what only the flash can tell, and tool.installed says why.
    installed = runner.has(flint)
    cards = mellanox_devices(SYSFS_PCI)
    wanted = module.params['device']
    if wanted:
        bdf = normalize_bdf(wanted)
        if bdf not in cards:
            refuse(module, runner, 'No Mellanox device at PCI address %s; run mlx_device_info without device '
                   'to list the cards.' % wanted, 'no_device', device=wanted, found=sorted(cards))
        cards = {bdf: cards[bdf]}
    wanted_packages = module.params['packages']
    states = package_states(runner, wanted_packages + ([PACKAGES[flavour]] if installed else [])) \
        if wanted_packages else None
    if installed:
        tool = tool_info(runner, flavour, states)
    else:
        tool = {'name': flavour, 'version': None, 'supports_connectx3': None, 'installed': False,
                'package': runner.package_hints.get(flint, flint)}
    devices = [card_info(runner, flavour, installed, bdf, cards[bdf]) for bdf in sorted(cards)]
    if not installed:
        for dev in devices:
            dev['error'] = {'reason': 'tool_missing', 'message': 'the flash cannot be read until %s is installed' % tool['package']}
    if flavour == 'mft' and devices and runner.has('mst'):
        # MFT names cards /dev/mst/mtNNNN_pci_cr0; the direct (pci_cr) device is preferred to pciconf.
        status = runner.run(tools.argv(flavour, 'mst_status'))
        found = {}
        for entry in parse_mst.parse_status(status.stdout) if status.ok else []:
            if entry['pci_address'] and (entry['pci_address'] not in found or entry['kind'] == 'pci_cr'):
                found[entry['pci_address']] = entry['mst_device']
        for dev in devices:
            dev['mst_device'] = found.get(dev['pci_address'])
    module.exit_json(changed=False, devices=devices, tool=tool, os=os_release(OS_RELEASE), network=network_info(runner, module.params['connection_addresses']),
                     packages=dict((n, (states or {})[n]) for n in wanted_packages))


if __name__ == '__main__':
    main()
