# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One end of a link against its declaration: carrier, speed, duplex, driver, MTU, ping; the card and the module.

evaluate_end compares what link_info read on the host with the end (link_model.link_ends) and returns the end with
its ``errors`` and ``findings`` (``{code, text}``), whether it is ``down``, its card, PCIe link and cable module.
The module helpers (module_present, module_name, capable_56g) and pcie_words are shared with the diagnosis and the
report text.

Pure functions over plain data (no Ansible import), called through the ``homelab.connectx`` filters.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.module_utils.netstack import is_ip
from ansible_collections.homelab.connectx.plugins.module_utils import psid as boards

# PCIe generation by transfer rate (GT/s per lane).
PCIE_GEN = {2.5: '1.0', 5.0: '2.0', 8.0: '3.0', 16.0: '4.0', 32.0: '5.0', 64.0: '6.0'}

# Cables that run Mellanox's 56 GbE (FDR signalling) on a ConnectX-3: part-number prefixes (the suffix is the length).
# - MC2207130-xxx: Mellanox's own bill of materials for 40/56GbE ConnectX-3 (Pro) clouds lists "16 40/56GbE cables
#   (Mellanox OPN MC2207130)" (OpenStack Fuel documentation, openstack-archive/fuel-docs, the Mellanox example "HA +
#   Neutron with VLAN + SR-IOV & iSER"); homelab write-ups of ConnectX-3 at 56G name the -00A (0.5 m) as "Mellanox 56G
#   QSFP+ FDR InfiniBand DAC".
# - MC2207128-xxx: the 28 AWG lengths of the same FDR passive copper family (a LinkX DAC table on GitHub lists
#   MC2207128-003 as "56G | QSFP to QSFP | 3.0m | 30AWG | 56G IB Passive Copper Cable").
# Any other Mellanox cable counts when its EEPROM states the FDR lane rate (FDR_LANE_MBPS).
MELLANOX_56G_CABLES = (
    ('MC2207130-', 'passive copper DAC, FDR / 56 GbE'),
    ('MC2207128-', 'passive copper DAC, FDR / 56 GbE'),
)
# FDR runs each of the 4 lanes at 14.0625 Gb/s, 64b/66b (56.25 Gb/s; Mellanox switch manuals, "Speed"); SFF-8636
# byte 140 (nominal bit rate, in 100 Mb/s) is 141 on such a cable, which ethtool prints as "BR, Nominal : 14100Mbps",
# against 103 (10300Mbps) on a 10/40 GbE one.
FDR_LANE_MBPS = 14000
MELLANOX_OUI = '00:02:c9'


def _device_of(devices, iface):
    for dev in devices or []:
        if iface in (dev.get('netdevs') or []):
            return dev
    return None


def pcie_words(pcie):
    """'PCIe 3.0 x4 (8 GT/s)' for a link dict, or None."""
    if not pcie or pcie.get('speed_gts') is None or pcie.get('width') is None:
        return None
    gen = PCIE_GEN.get(float(pcie['speed_gts']))
    return 'PCIe %s x%s (%s GT/s)' % (gen or '?', pcie['width'], _num(pcie['speed_gts']))


def _num(value):
    value = float(value)
    return ('%d' % value) if value == int(value) else ('%g' % value)


def is_mellanox(module):
    """Whether a module (link_info's module dict) is Mellanox's: by vendor name, or Mellanox's OUI."""
    module = module or {}
    vendor = (module.get('vendor') or '').lower()
    return 'mellanox' in vendor or 'nvidia' in vendor or (module.get('vendor_oui') or '').lower() == MELLANOX_OUI


def capable_56g(module):
    """Whether a module runs Mellanox's 56 GbE: a Mellanox cable of MELLANOX_56G_CABLES, or one with an FDR lane rate."""
    module = module or {}
    if module.get('kind') not in ('dac', 'aoc') or not is_mellanox(module):
        return False
    part = (module.get('part_number') or '').upper()
    return any(part.startswith(prefix) for prefix, _what in MELLANOX_56G_CABLES) or \
        (module.get('br_nominal_mbps') or 0) >= FDR_LANE_MBPS


def module_present(module):
    """True: a module is in the cage; False: the cage is empty; None: not known (not read, no driver support)."""
    if not module:
        return None
    if module.get('kind') and module.get('kind') != 'none':
        return True
    return module.get('present')


def module_name(module):
    """'Generic QSFP-40G-DAC1M' (vendor and part number) of a module, or its summary, or None."""
    module = module or {}
    words = ' '.join(part for part in (module.get('vendor'), module.get('part_number')) if part)
    return words or module.get('summary')


def _link_modes_max(modes):
    speeds = [int(str(m).split('base', 1)[0]) for m in modes or [] if str(m).split('base', 1)[0].isdigit()]
    return max(speeds) if speeds else None


def _card(device):
    """What the report says of the card: model from the PSID table, PSID, PCI address, Ethernet top speed."""
    device = device or {}
    psid = device.get('psid')
    known = boards.board(psid) or {}
    text = boards.model_text(psid) or device.get('model') or device.get('part_number')
    return {'psid': psid, 'model': known.get('part_number') or device.get('part_number') or device.get('model'),
            'text': text, 'pci_address': device.get('pci_address'), 'eth_max_mbps': known.get('eth_max_mbps')}


def _cable_elsewhere(end, info, device, ports):
    """The other port of the same card that holds this end's cable, or None.

    This port has no carrier; another port of the card that carries no declared link has carrier, or a module while
    this cage is empty (a port that is administratively down has no carrier, whatever is plugged in).
    """
    module = info.get('module')
    mine = module_present(module)
    netdevs = list((device or {}).get('netdevs') or info.get('card_ports') or [])
    for port in netdevs:
        if port == end.get('iface') or port in (end.get('linked_ports') or []):
            continue
        other = (ports or {}).get(port) or {}
        if other.get('carrier') and mine is not True:
            return port
        if mine is False and module_present(other.get('module')):
            return port
    return None


def evaluate_end(end, info, ping_rc=None, device=None, driver='mlx4_en', duplex='full', ping=True, ports=None):
    """Compare one end with its declaration. ``info``: link_info's entry for the iface (or None).

    ``ping_rc``: exit code of the ping to the peer (None: not run). ``ports``: link_info's ports of this host by name
    (its interfaces and other_ports), for the card's other port. Returns the end with ``state``, ``errors`` (sentences
    naming the link, the end and the field), ``findings`` (the same as ``{code, text}``), ``down`` (no traffic can
    flow), ``pcie``, ``pci_address``, ``card``, ``module``, ``port_max_mbps`` and ``pcie_limited`` (the slot gives
    less than the link speed).
    """
    where = 'link %s, end %s (%s:%s)' % (end.get('link'), end.get('end'), end.get('host'), end.get('iface'))
    findings, down = [], False

    def add(code, text):
        findings.append({'code': code, 'text': '%s: %s' % (where, text)})

    if not info:
        add('no_interface', 'interface not found')
        down = True
    else:
        if not info.get('carrier'):
            # Speed and duplex are unknown without a link: the carrier is the one thing to say.
            elsewhere = _cable_elsewhere(end, info, device, ports)
            if elsewhere:
                add('wrong_port', u'the cable is on %s, not %s \u2014 move it back or change connectx_links'
                    % (elsewhere, end.get('iface')))
            else:
                add('no_carrier', 'carrier is down (cable unplugged or peer port down)')
            down = True
        else:
            speed = info.get('speed_mbps')
            if speed != end.get('speed_mbps'):
                got = '%s Mb/s' % speed if speed is not None else 'unknown'
                add('speed', 'speed is %s, expected %s Mb/s' % (got, end.get('speed_mbps')))
            if duplex and str(info.get('duplex') or '').lower() != duplex:
                add('duplex', 'duplex is %s, expected %s' % (info.get('duplex') or 'unknown', duplex))
        if driver and info.get('driver') != driver:
            add('driver', 'driver is %s, expected %s' % (info.get('driver') or 'unknown', driver))
        if end.get('mtu') is not None and info.get('mtu') != end['mtu']:
            add('mtu', 'MTU is %s, expected %s' % (info.get('mtu', 'unknown'), end['mtu']))
    # A peer outside this run (--limit) is not pinged: it may not be configured yet.
    if ping and end.get('peer_in_run', True):
        if not end.get('peer_address'):
            add('peer_address', 'no address known for the peer %s:%s (set it in its connectx_interfaces)'
                % (end.get('peer_host'), end.get('peer_iface')))
        elif not is_ip(end['peer_address']):
            add('peer_address', 'the peer address %r of %s:%s is not an IP address (fix it in its connectx_interfaces)'
                % (end['peer_address'], end.get('peer_host'), end.get('peer_iface')))
        elif ping_rc != 0:
            add('ping', 'peer %s %s does not answer ping over %s'
                % (end.get('peer_host'), end.get('peer_address'), end.get('source_iface')))
            down = True
    pcie = dict((device or {}).get('pcie') or {})
    ceiling = pcie.get('ceiling_gbps')
    speed = (info or {}).get('speed_mbps') or end.get('speed_mbps')
    state = dict(info or {})
    module = state.pop('module', None)
    result = dict(end)
    result.update({
        'state': state,
        'errors': [f['text'] for f in findings],
        'findings': findings,
        'down': down,
        'pcie': pcie,
        'pci_address': (device or {}).get('pci_address'),
        'card': _card(device),
        'module': module,
        'port_max_mbps': _link_modes_max(state.get('supported_link_modes')),
        'fw_version': (device or {}).get('fw_version_running') or (device or {}).get('fw_version')
        or (info or {}).get('firmware_version'),
        'pcie_limited': bool(ceiling is not None and speed and float(ceiling) * 1000 < speed),
    })
    return result


def ping_peers(ends):
    """``{source, address}`` for each end whose peer is in this run and has an IP address, once each (an address that
    is not an IP is that end's error, see evaluate_end, not a refusal of the whole read)."""
    out = []
    for end in ends or []:
        if not (isinstance(end, dict) and end.get('peer_in_run', True) and end.get('peer_address') and end.get('source_iface')
                and is_ip(end['peer_address'])):
            continue
        peer = {'source': end['source_iface'], 'address': end['peer_address']}
        if peer not in out:
            out.append(peer)
    return out


def evaluate_ends(ends, interfaces, ping_results=None, devices=None, driver='mlx4_en', duplex='full', ping=True,
                  ports=None):
    """evaluate_end for every end.

    ``ping_results``: link_info's ``ping`` list (``{source, address, rc}``), or the registered results of a
    ping loop whose items are the ends (the Windows ends). ``ports``: link_info's ``other_ports`` (the card ports
    that were not asked for), to tell a cable on the card's other port from a dead link.
    """
    every_port = dict(ports or {})
    every_port.update(interfaces or {})
    by_end, by_peer = {}, {}
    for res in ping_results or []:
        item = res.get('item') or {}
        if 'rc' not in res:
            continue
        if item:
            by_end[(item.get('link'), item.get('end'))] = res['rc']
        else:
            by_peer[(res.get('source'), res.get('address'))] = res['rc']
    out = []
    for end in ends or []:
        rc = by_end.get((end.get('link'), end.get('end')), by_peer.get((end.get('source_iface'), end.get('peer_address'))))
        out.append(evaluate_end(end, (interfaces or {}).get(end.get('iface')), rc,
                                _device_of(devices, end.get('iface')), driver=driver, duplex=duplex, ping=ping,
                                ports=every_port))
    return out
